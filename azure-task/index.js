'use strict';
// Entry point named in task.json: the logic lives in lib.js so the tests can reach it.
require('./lib').run();
