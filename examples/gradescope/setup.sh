#!/usr/bin/env bash
# Gradescope autograder: runs once, as root, when Gradescope builds the autograder's image (Ubuntu).
# The autograder zip holds this file, run_autograder, engine.env, docker-certs/ and lab-grader/ (a copy of
# lab-grader's repository, or its packed tarball unpacked). See README, "Gradescope".
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ca-certificates curl
# Node 20 or later (lab-grader's engines field)
curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs
cd /autograder/source/lab-grader
npm ci
