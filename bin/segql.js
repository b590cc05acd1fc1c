#!/usr/bin/env node
// The installed CLI runs the compiled JavaScript in dist/ (built by `npm install` through `prepare`).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
