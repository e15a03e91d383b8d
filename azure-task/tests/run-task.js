'use strict';
// Runs the task once under TaskMockRunner for the case that tests/_suite.js describes in
// SG_TEST_CASE (JSON). The real task library runs (noMockTask) and so does the binary it
// picks: a fake secretgate that records how it was called.

const path = require('path');
const { TaskMockRunner } = require('azure-pipelines-task-lib/mock-run');

const c = JSON.parse(process.env.SG_TEST_CASE);
const tmr = new TaskMockRunner(path.join(c.taskDir, 'index.js'));
for (const [name, value] of Object.entries(c.inputs)) {
    tmr.setInput(name, value);
}
process.env.BUILD_SOURCESDIRECTORY = c.sourcesDir;
process.env.AGENT_TEMPDIRECTORY = c.tempDir;
delete process.env.SYSTEM_ACCESSTOKEN;
if (c.token) {
    process.env.ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN = c.token;
}
process.env.FAKE_SECRETGATE_RECORD = c.record;
process.env.FAKE_SECRETGATE_EXIT = String(c.exitCode);
tmr.run(true);
