// Converts huggingface.js's Jinja test tables (packages/jinja/test/templates.test.js and e2e.test.js) into the JSON
// data files the xunit tests read. Run offline; the tests never call node.
//
//   git -C <huggingface.js> show HEAD:packages/jinja/test/templates.test.js > /tmp/templates.test.js
//   git -C <huggingface.js> show HEAD:packages/jinja/test/e2e.test.js > /tmp/e2e.test.js
//   node convert-hfjs.mjs /tmp/templates.test.js /tmp/e2e.test.js <commit>
//
// Writes hfjs-templates.json and hfjs-e2e.json beside this script. Context functions (JavaScript closures in the
// tables) become {"$function": name} for the few shapes the tables use; the test supplies those as host functions.
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath } from "node:url";

const [templatesFile, e2eFile, commit] = process.argv.slice(2);
if (!templatesFile || !e2eFile) {
	console.error("usage: node convert-hfjs.mjs templates.test.js e2e.test.js [commit]");
	process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));

const FUNCTIONS = new Map([
	["(x, y) => x + y", "add"],
	["(...args) => args.length", "count_args"],
	['(...args) => args.join("")', "join"],
	['(...args) => args.join("_")', "join_underscore"],
	["() => {}", "noop"],
]);

function toData(value) {
	return JSON.parse(
		JSON.stringify(value, (_, v) => {
			if (typeof v === "function") {
				const name = FUNCTIONS.get(v.toString());
				if (!name) throw new Error(`no name for context function ${v.toString()}`);
				return { $function: name };
			}
			return v;
		}),
	);
}

function tables(file, stopAt, names) {
	let code = fs.readFileSync(file, "utf8");
	code = code.replace(/^import .*$/gm, "");
	const stop = code.indexOf(stopAt);
	if (stop < 0) throw new Error(`${file}: '${stopAt}' not found`);
	code = code.slice(0, stop);
	const context = vm.createContext({});
	return vm.runInContext(`${code}\n({ ${names.join(", ")} })`, context);
}

// templates.test.js: the language tables.
const t = tables(templatesFile, 'describe("Templates"', ["TEST_STRINGS", "TEST_CONTEXT", "EXPECTED_OUTPUTS"]);
const cases = [];
for (const [name, template] of Object.entries(t.TEST_STRINGS)) {
	if (t.TEST_CONTEXT[name] === undefined || t.EXPECTED_OUTPUTS[name] === undefined) continue;
	cases.push({ name, template, context: toData(t.TEST_CONTEXT[name]), expected: t.EXPECTED_OUTPUTS[name] });
}

// templates.test.js: the "Error checking" cases, read by running their bodies against recording stand-ins.
const source = fs.readFileSync(templatesFile, "utf8");
const errorsAt = source.indexOf('describe("Error checking"');
const errors = [];
{
	let current = null;
	const sandbox = {
		describe: (_, fn) => fn(),
		it: (name, fn) => {
			current = { name, template: null, context: {} };
			fn();
			errors.push(current);
		},
		expect: (fn) => ({
			toThrowError() {
				try {
					if (typeof fn === "function") fn();
				} catch {
					// the stand-ins do not throw; the template was recorded
				}
			},
		}),
		tokenize: (text) => {
			current.template = text;
			return text;
		},
		parse: (x) => x,
		Environment: class {
			set(k, v) {
				current.context[k] = v;
			}
		},
		Interpreter: class {
			run() {}
		},
	};
	vm.runInContext(source.slice(errorsAt), vm.createContext(sandbox));
}

const meta = { source: "huggingface/huggingface.js packages/jinja/test (MIT licence)", commit: commit ?? null };
fs.writeFileSync(
	path.join(here, "hfjs-templates.json"),
	JSON.stringify({ ...meta, file: "templates.test.js", cases, errors: errors.map((e) => ({ ...e, context: toData(e.context) })) }, null, 1) + "\n",
);

// e2e.test.js: real models' templates with their expected output.
const e = tables(e2eFile, "function render(", ["TEST_DEFAULT_TEMPLATES", "TEST_CUSTOM_TEMPLATES"]);
const e2e = [];
for (const group of [e.TEST_DEFAULT_TEMPLATES, e.TEST_CUSTOM_TEMPLATES]) {
	for (const [name, c] of Object.entries(group)) {
		e2e.push({ name, template: c.chat_template, context: toData(c.data), expected: c.target });
	}
}
fs.writeFileSync(path.join(here, "hfjs-e2e.json"), JSON.stringify({ ...meta, file: "e2e.test.js", cases: e2e }, null, 1) + "\n");
console.log(`templates: ${cases.length} cases, ${errors.length} error cases; e2e: ${e2e.length} cases`);
