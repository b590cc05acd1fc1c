-- A real editor as the LSP client: headless Neovim (0.7 and newer) starts `segql lsp --stdio`, opens a
-- segment file of a project with segql.json, and prints what it received. Run by test/lsp/neovim.test.ts:
--   SEGQL_LSP_CMD='["node", …]' SEGQL_FILE=/tmp/…/a.segql nvim --headless -i NONE -u test/lsp/nvim-check.lua
local function out(s) io.stdout:write(s .. "\n") end
local function fail(msg) out("FAIL " .. msg); os.exit(1) end
local cmd = vim.fn.json_decode(os.getenv("SEGQL_LSP_CMD"))
local file = os.getenv("SEGQL_FILE")
vim.cmd("edit " .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
vim.api.nvim_buf_set_lines(buf, 0, -1, false, { 'status = "trial" and', "tenure > 3" })
local config = { name = "segql", cmd = cmd, root_dir = vim.fn.fnamemodify(file, ":h"), cmd_cwd = os.getenv("SEGQL_CWD") }
local client_id
if vim.lsp.start then
  client_id = vim.lsp.start(config, { bufnr = buf })                 -- 0.8+
else
  client_id = vim.lsp.start_client(config)                           -- 0.7
  if not client_id then fail("could not start server") end
  vim.lsp.buf_attach_client(buf, client_id)
end
if not vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50) then fail("no diagnostics") end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  out(string.format("diagnostic %d:%d severity=%d %s", d.lnum, d.col, d.severity, d.message))
end
local uri = vim.uri_from_bufnr(buf)
local results = vim.lsp.buf_request_sync(buf, "textDocument/completion", { textDocument = { uri = uri }, position = { line = 0, character = 9 } }, 30000)
if not results then fail("completion timed out") end
for _, r in pairs(results) do
  if r.err then fail("completion error " .. vim.inspect(r.err)) end
  for _, it in ipairs(r.result and (r.result.items or r.result) or {}) do out("completion " .. it.label .. " (" .. (it.detail or "") .. ")") end
end
local hovers = vim.lsp.buf_request_sync(buf, "textDocument/hover", { textDocument = { uri = uri }, position = { line = 1, character = 2 } }, 30000)
for _, r in pairs(hovers or {}) do
  if r.result then out("hover " .. vim.split(r.result.contents.value, "\n")[1]) end
end
vim.lsp.stop_client(client_id)
vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
out("OK nvim " .. vim.version().major .. "." .. vim.version().minor .. "." .. vim.version().patch)
vim.cmd("qall!")
