'use strict';
// Tests for the secretgate task: the pure helpers directly, and whole task runs under
// azure-pipelines-task-lib's MockTestRunner with a fake secretgate binary.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');

const TASK_DIR = path.join(__dirname, '..');
const TEST_TOKEN = 'fake-system-vss-token-for-tests';

// MockTestRunner runs the task with the Node version task.json asks for, downloading it into
// $HOME/azure-pipelines-task-lib/_download unless it is already there. Tests run offline: point
// HOME at a scratch folder and seed it with this Node, under the folder names the installed
// task-lib looks for.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'secretgate-task-tests-'));
process.env.HOME = scratch;
process.env.USERPROFILE = scratch;
// The task library writes its vault key into the agent's temp folder (else the current one).
process.env.AGENT_TEMPDIRECTORY = scratch;
seedNode(scratch);
const { MockTestRunner } = require('azure-pipelines-task-lib/mock-test');
const lib = require('../lib');

function handlerNodeMajor() {
    const task = JSON.parse(fs.readFileSync(path.join(TASK_DIR, 'task.json'), 'utf8'));
    const majors = Object.keys(task.execution)
        .filter((k) => k.toLowerCase().startsWith('node'))
        .map((k) => parseInt(k.slice(4), 10) || 6);
    return Math.max(...majors);
}

function seedNode(home) {
    const mockTest = fs.readFileSync(require.resolve('azure-pipelines-task-lib/mock-test'), 'utf8');
    const major = handlerNodeMajor();
    const m = new RegExp(`${major}: '(v[0-9.]+)'`).exec(mockTest);
    if (!m) {
        throw new Error(`cannot find the Node ${major} version in azure-pipelines-task-lib/mock-test.js`);
    }
    if (process.platform !== 'linux' && process.platform !== 'darwin') {
        throw new Error('these tests seed the mock runner\'s Node for Linux and macOS only');
    }
    const osName = process.platform === 'linux' ? 'linux' : 'darwin';
    const dest = path.join(home, 'azure-pipelines-task-lib', '_download', `node${major}`);
    const bin = path.join(dest, `node-${m[1]}-${osName}-x64`, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.writeFileSync(`${dest}.completed`, '');
}

/** A task folder like the packaged one, with a fake secretgate for this agent (unless binary is false). */
function makeTaskDir(binary = true) {
    const dir = fs.mkdtempSync(path.join(scratch, 'task-'));
    for (const f of ['index.js', 'lib.js', 'task.json', 'package.json']) {
        fs.copyFileSync(path.join(TASK_DIR, f), path.join(dir, f));
    }
    fs.symlinkSync(path.join(TASK_DIR, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    if (binary) {
        const folder = `${lib.PLATFORMS[os.platform()]}-${lib.ARCHES[os.arch()]}`;
        fs.mkdirSync(path.join(dir, 'bin', folder), { recursive: true });
        const fake = path.join(dir, 'bin', folder, 'secretgate');
        // Mode 0644 on purpose: the task must make it executable (a .vsix drops the bit).
        fs.writeFileSync(fake, [
            `#!${process.execPath}`,
            "const fs = require('fs');",
            'fs.writeFileSync(process.env.FAKE_SECRETGATE_RECORD, JSON.stringify({',
            '  argv: process.argv.slice(2),',
            '  token: process.env.SYSTEM_ACCESSTOKEN || null,',
            '  cwd: process.cwd(),',
            "  endpointVarLeaked: Object.keys(process.env).some((k) => k.startsWith('ENDPOINT_AUTH_')),",
            '}));',
            "console.log('secretgate (fake) ran');",
            'process.exit(Number(process.env.FAKE_SECRETGATE_EXIT));',
            '',
        ].join('\n'), { mode: 0o644 });
    }
    return dir;
}

/** Runs the task under MockTestRunner; returns the runner and what the fake binary recorded. */
async function runTask({ inputs, exitCode = 0, token = TEST_TOKEN, binary = true }) {
    const taskDir = makeTaskDir(binary);
    const sourcesDir = fs.mkdtempSync(path.join(scratch, 'sources-'));
    fs.writeFileSync(path.join(sourcesDir, '.secretgate.yml'), 'fail_on: high\n');
    const record = path.join(taskDir, 'record.json');
    process.env.SG_TEST_CASE = JSON.stringify({
        taskDir, sourcesDir, tempDir: scratch, record, exitCode, token,
        inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.replace('$SOURCES', sourcesDir)])),
    });
    const tr = new MockTestRunner(path.join(__dirname, 'run-task.js'), path.join(TASK_DIR, 'task.json'));
    await tr.runAsync(handlerNodeMajor());
    const recorded = fs.existsSync(record) ? JSON.parse(fs.readFileSync(record, 'utf8')) : null;
    return { tr, recorded, taskDir, sourcesDir };
}

const ALL_INPUTS = {
    failOn: 'high',
    failConfidence: 'low',
    scan: 'history',
    suggestFixes: 'false',
    config: '$SOURCES/.secretgate.yml',
    baseline: '$SOURCES',
    prThreads: 'true',
    prStatus: 'false',
    publishSarif: 'true',
    category: 'pr-gate',
};

describe('secretgate task', function () {
    this.timeout(60000);

    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    describe('binaryPath', () => {
        it('picks bin/<os>-<arch>/secretgate[.exe] for each supported agent', () => {
            const dir = fs.mkdtempSync(path.join(scratch, 'bins-'));
            const want = {
                'linux x64': 'linux-x64/secretgate',
                'linux arm64': 'linux-arm64/secretgate',
                'darwin arm64': 'osx-arm64/secretgate',
                'darwin x64': 'osx-x64/secretgate',
                'win32 x64': 'win-x64/secretgate.exe',
            };
            for (const rel of Object.values(want)) {
                fs.mkdirSync(path.dirname(path.join(dir, 'bin', rel)), { recursive: true });
                fs.writeFileSync(path.join(dir, 'bin', rel), '');
            }
            for (const [agent, rel] of Object.entries(want)) {
                const [platform, arch] = agent.split(' ');
                assert.strictEqual(lib.binaryPath(dir, platform, arch), path.join(dir, 'bin', rel));
            }
        });

        it('names what it looked for and what the task ships when the binary is missing', () => {
            const dir = fs.mkdtempSync(path.join(scratch, 'bins-'));
            fs.mkdirSync(path.join(dir, 'bin', 'linux-x64'), { recursive: true });
            fs.writeFileSync(path.join(dir, 'bin', 'linux-x64', 'secretgate'), '');
            assert.throws(() => lib.binaryPath(dir, 'win32', 'x64'),
                /binary for this agent \(win-x64\) is missing.*secretgate\.exe.*ships: linux-x64/);
            assert.throws(() => lib.binaryPath(dir, 'freebsd', 'x64'), /no build for freebsd-x64 agents \(this task ships: linux-x64\)/);
            assert.throws(() => lib.binaryPath(dir, 'linux', 'ia32'), /no build for linux-ia32/);
        });
    });

    describe('ciArgs', () => {
        it('maps every input to a secretgate ci flag', () => {
            assert.deepStrictEqual(lib.ciArgs({
                failOn: 'Critical', failConfidence: 'High', scan: 'Tree', config: 'c.yml', baseline: 'b.json',
                prThreads: true, prStatus: false, suggestFixes: false, publishSarif: true, category: 'nightly',
            }), ['ci', '--fail-on', 'critical', '--fail-confidence', 'high', '--scan', 'tree',
                '--config', 'c.yml', '--baseline', 'b.json', '--upload', 'true', '--check-run', 'false',
                '--pr-comment', 'true', '--suggest-fixes', 'false', '--category', 'nightly']);
        });

        it('passes each scan mode, and leaves the default to the binary', () => {
            for (const mode of ['changes', 'tree', 'history']) {
                const args = lib.ciArgs({ scan: mode, prThreads: true, prStatus: true, publishSarif: true });
                assert.deepStrictEqual(args.slice(0, 3), ['ci', '--scan', mode]);
            }
            const args = lib.ciArgs({ scan: 'default', failConfidence: 'default', prThreads: true, prStatus: true, publishSarif: true });
            assert.ok(!args.includes('--scan') && !args.includes('--fail-confidence'), args.join(' '));
        });

        it('leaves the threshold to the config file by default', () => {
            assert.deepStrictEqual(lib.ciArgs({ failOn: 'default', prThreads: false, prStatus: true, publishSarif: false }),
                ['ci', '--upload', 'false', '--check-run', 'true', '--pr-comment', 'false']);
        });

        it('rejects an unknown threshold, confidence or scan mode', () => {
            assert.throws(() => lib.ciArgs({ failOn: 'severe' }), /failOn is 'severe'/);
            assert.throws(() => lib.ciArgs({ failConfidence: 'certain' }), /failConfidence is 'certain': expected default, low, medium, high/);
            assert.throws(() => lib.ciArgs({ scan: 'everything' }), /scan is 'everything': expected default, changes, tree, history/);
        });
    });

    describe('under MockTestRunner', () => {
        it('runs the bundled binary with the mapped inputs and the job token, and fails on findings', async () => {
            const { tr, recorded, taskDir, sourcesDir } = await runTask({ inputs: ALL_INPUTS, exitCode: 1 });
            const bin = path.join(taskDir, 'bin', `${lib.PLATFORMS[os.platform()]}-${lib.ARCHES[os.arch()]}`, 'secretgate');
            const args = ['ci', '--fail-on', 'high', '--fail-confidence', 'low', '--scan', 'history',
                '--config', path.join(sourcesDir, '.secretgate.yml'),
                '--upload', 'true', '--check-run', 'false', '--pr-comment', 'true', '--suggest-fixes', 'false',
                '--category', 'pr-gate'];
            assert.ok(tr.ran(`${bin} ${args.join(' ')}`), `not run as expected:\n${tr.stdout}\n${tr.stderr}`);
            assert.strictEqual(tr.invokedToolCount, 1);
            assert.ok(recorded, `the binary did not run:\n${tr.stdout}\n${tr.stderr}`);
            assert.deepStrictEqual(recorded.argv, args);
            assert.strictEqual(recorded.token, TEST_TOKEN);
            assert.strictEqual(recorded.endpointVarLeaked, false);
            assert.strictEqual(fs.realpathSync(recorded.cwd), fs.realpathSync(sourcesDir));
            assert.ok(tr.failed, 'the task should fail');
            assert.ok(tr.stdout.includes('##vso[task.complete result=Failed;]secretgate: secrets found'), tr.stdout);
        });

        it('succeeds when the binary exits 0, leaving unset file inputs out', async () => {
            const { tr, recorded } = await runTask({
                inputs: { failOn: 'default', config: '$SOURCES', baseline: '$SOURCES', prThreads: 'false', prStatus: 'true', publishSarif: 'false', category: '' },
                exitCode: 0,
            });
            assert.ok(recorded, tr.stdout + tr.stderr);
            assert.deepStrictEqual(recorded.argv, ['ci', '--upload', 'false', '--check-run', 'true', '--pr-comment', 'false']);
            assert.ok(tr.succeeded, tr.stdout);
            assert.ok(tr.stdout.includes('##vso[task.complete result=Succeeded;]secretgate: no secrets found'), tr.stdout);
        });

        it('reports an error exit as a failed task that says so', async () => {
            const { tr, recorded } = await runTask({ inputs: ALL_INPUTS, exitCode: 2 });
            assert.ok(recorded);
            assert.ok(tr.failed);
            assert.ok(tr.stdout.includes('secretgate: error (exit code 2)'), tr.stdout);
        });

        it('fails with a clear message when the task has no binary for the agent', async () => {
            const { tr, recorded } = await runTask({ inputs: ALL_INPUTS, binary: false });
            assert.strictEqual(recorded, null);
            assert.strictEqual(tr.invokedToolCount, 0);
            assert.ok(tr.failed);
            assert.ok(/binary for this agent \([a-z]+-[a-z0-9]+\) is missing from the task/.test(tr.stdout), tr.stdout);
        });

        it('still scans without a token, with a warning', async () => {
            const { tr, recorded } = await runTask({ inputs: ALL_INPUTS, exitCode: 0, token: '' });
            assert.ok(recorded);
            assert.strictEqual(recorded.token, null);
            assert.ok(tr.succeeded);
            assert.ok(tr.warningIssues.some((m) => m.startsWith('No access token')), tr.stdout);
        });
    });
});
