'use strict';
// The secretgate task: map the task's inputs to `secretgate ci`, run the binary bundled for
// the agent's OS and architecture with the job's access token, and set the task result from
// its exit code (0 clean, 1 secrets found, 2 error). Everything else is the binary's job.

const fs = require('fs');
const os = require('os');
const path = require('path');
const tl = require('azure-pipelines-task-lib/task');

/** Folder names under bin/ for Node's os.platform() values. */
const PLATFORMS = { linux: 'linux', darwin: 'osx', win32: 'win' };
/** Folder suffixes for Node's os.arch() values. */
const ARCHES = { x64: 'x64', arm64: 'arm64' };
const FAIL_ON = ['low', 'medium', 'high', 'critical', 'never'];
const FAIL_CONFIDENCE = ['low', 'medium', 'high'];
const SCAN = ['changes', 'tree', 'history'];

/** A pickList input's value, lower-cased; '' for `default` or unset; throws on an unknown one. */
function choice(name, value, allowed) {
    const v = (value || 'default').trim().toLowerCase();
    if (v === 'default' || v === '') {
        return '';
    }
    if (!allowed.includes(v)) {
        throw new Error(`${name} is '${value}': expected default, ${allowed.join(', ')}.`);
    }
    return v;
}

/**
 * The bundled binary for this agent: bin/<os>-<arch>/secretgate[.exe] under taskDir.
 * Throws an Error that names the folder it looked for and the ones the task ships.
 */
function binaryPath(taskDir, platform, arch) {
    const osName = PLATFORMS[platform];
    const archName = ARCHES[arch];
    const binDir = path.join(taskDir, 'bin');
    const shipped = fs.existsSync(binDir) ? fs.readdirSync(binDir).sort() : [];
    const list = shipped.length ? shipped.join(', ') : 'none';
    if (!osName || !archName) {
        throw new Error(`secretgate has no build for ${platform}-${arch} agents (this task ships: ${list}).`);
    }
    const folder = `${osName}-${archName}`;
    const file = path.join(binDir, folder, platform === 'win32' ? 'secretgate.exe' : 'secretgate');
    if (!fs.existsSync(file)) {
        throw new Error(`The secretgate binary for this agent (${folder}) is missing from the task: expected ${file} (this task ships: ${list}).`);
    }
    return file;
}

/** `secretgate ci` arguments for the task's inputs. */
function ciArgs(inputs) {
    const args = ['ci'];
    const failOn = choice('failOn', inputs.failOn, FAIL_ON);
    if (failOn) {
        args.push('--fail-on', failOn);
    }
    const failConfidence = choice('failConfidence', inputs.failConfidence, FAIL_CONFIDENCE);
    if (failConfidence) {
        args.push('--fail-confidence', failConfidence);
    }
    const scan = choice('scan', inputs.scan, SCAN);
    if (scan) {
        args.push('--scan', scan);
    }
    if (inputs.config) {
        args.push('--config', inputs.config);
    }
    if (inputs.baseline) {
        args.push('--baseline', inputs.baseline);
    }
    args.push('--upload', String(inputs.publishSarif));
    args.push('--check-run', String(inputs.prStatus));
    args.push('--pr-comment', String(inputs.prThreads));
    // Unset (an older pipeline definition): the binary's default, which is on.
    if (inputs.suggestFixes !== undefined) {
        args.push('--suggest-fixes', String(inputs.suggestFixes));
    }
    if (inputs.category) {
        args.push('--category', inputs.category);
    }
    return args;
}

/** The task's inputs, read through the task library. */
function readInputs() {
    // filePath inputs default to the sources directory when left empty: treat that as unset.
    const sources = tl.getVariable('Build.SourcesDirectory') || '';
    const file = (name) => {
        const v = tl.getPathInput(name, false, false);
        return v && path.resolve(v) !== path.resolve(sources) ? v : '';
    };
    return {
        failOn: tl.getInput('failOn', false) || 'default',
        failConfidence: tl.getInput('failConfidence', false) || 'default',
        scan: tl.getInput('scan', false) || 'default',
        config: file('config'),
        baseline: file('baseline'),
        prThreads: tl.getBoolInput('prThreads', false),
        prStatus: tl.getBoolInput('prStatus', false),
        suggestFixes: tl.getInput('suggestFixes', false) ? tl.getBoolInput('suggestFixes', false) : undefined,
        publishSarif: tl.getBoolInput('publishSarif', false),
        category: (tl.getInput('category', false) || '').trim(),
    };
}

/** The job's OAuth token: the SystemVssConnection endpoint, else a mapped SYSTEM_ACCESSTOKEN. */
function accessToken() {
    return tl.getEndpointAuthorizationParameter('SystemVssConnection', 'AccessToken', true)
        || process.env.SYSTEM_ACCESSTOKEN
        || '';
}

/** Sets the task result for the binary's exit code. */
function setResultFor(code) {
    if (code === 0) {
        tl.setResult(tl.TaskResult.Succeeded, 'secretgate: no secrets found');
    } else if (code === 1) {
        tl.setResult(tl.TaskResult.Failed, 'secretgate: secrets found');
    } else {
        tl.setResult(tl.TaskResult.Failed, `secretgate: error (exit code ${code}); see the log above`);
    }
}

async function run() {
    try {
        const taskDir = __dirname;
        const binary = binaryPath(taskDir, os.platform(), os.arch());
        if (os.platform() !== 'win32') {
            // A .vsix is a zip, which does not keep the executable bit.
            fs.chmodSync(binary, 0o755);
        }
        const args = ciArgs(readInputs());
        const token = accessToken();
        const env = Object.assign({}, process.env);
        if (token) {
            env.SYSTEM_ACCESSTOKEN = token;
        } else {
            tl.warning('No access token (SystemVssConnection): pull-request threads and status are skipped.');
        }
        const code = await tl.tool(binary).arg(args).execAsync({
            cwd: tl.getVariable('Build.SourcesDirectory') || process.cwd(),
            env,
            ignoreReturnCode: true,
            failOnStdErr: false,
        });
        setResultFor(code);
    } catch (err) {
        tl.setResult(tl.TaskResult.Failed, `secretgate: ${err && err.message ? err.message : err}`);
    }
}

module.exports = { binaryPath, ciArgs, setResultFor, run, PLATFORMS, ARCHES };
