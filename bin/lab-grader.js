#!/usr/bin/env node
"use strict";
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
require("../dist/grader/cli/main.js")
  .main(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`lab-grader: internal error: ${error && error.stack ? error.stack : error}`);
      process.exitCode = 70;
    },
  );
