// Scaffolds packages/<name> in the shape CONTRIBUTING.md describes: workflow-safe and client entries, wire
// definitions, typed errors, a sample workflow with its tests on a real Temporal server, a recorded history
// and its replay test, the README example and the tests that keep it verbatim, the bundling test, the
// shared build and test presets, a first changeset; and adds the package to the root README's table.
const { Buffer } = require('node:buffer');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { formatFiles, generateFiles, logger, names } = require('@nx/devkit');
const { temporal } = require('@temporalio/proto');

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** The README shows each example source as a file of the user's project, importing its siblings by those names. */
const README_EXAMPLES = { 'src/readme-example.ts': 'workflows', 'src/readme-example-worker.ts': 'worker' };

/** @param {import('@nx/devkit').Tree} tree @param {{ name: string; description?: string }} options */
async function patternGenerator(tree, options) {
  const name = String(options.name ?? '').trim();
  if (!NAME.test(name)) {
    throw new Error(
      `Pattern name "${name}" must be kebab-case: lowercase letters and digits, words joined by "-".`,
    );
  }
  const directory = `packages/${name}`;
  if (tree.exists(directory)) throw new Error(`${directory} already exists.`);
  const description =
    options.description ?? `A ${name.replace(/-/g, ' ')} coordination pattern for Temporal workflows.`;
  const { propertyName, className, constantName } = names(name);

  generateFiles(tree, path.join(__dirname, 'files'), directory, {
    name,
    description,
    propertyName,
    className,
    constantName,
    tmpl: '',
  });
  showReadmeExamples(tree, directory);
  writeSampleHistory(tree, directory, name, propertyName);
  tree.write(
    `.changeset/${name}-first-release.md`,
    `---\n'@temporal-patterns/${name}': minor\n---\n\nFirst release of @temporal-patterns/${name}.\n`,
  );
  const listed = addToPackageTable(tree, name, description);
  await formatFiles(tree);

  return () => {
    const table = listed ? ' and added it to the table in README.md' : '';
    logger.info(`
Created @temporal-patterns/${name} in ${directory}${table}. Next steps:
  1. npm install: links the package and records it in package-lock.json.
  2. cd ${directory} && npm test: builds what it needs through Nx, then runs its tests on a real Temporal server.
  3. Replace the sample workflow with your pattern (CONTRIBUTING.md), and add the package's README example to
     the release check (tools/workspace-plugin/src/release/pack-install.test.ts).`);
  };
}

/**
 * Puts each README example source into the package README in place of its `<!-- src/... -->` marker, so the
 * README starts out as the verbatim check (`defineReadmeExampleTests`) wants it.
 * @param {import('@nx/devkit').Tree} tree @param {string} directory
 */
function showReadmeExamples(tree, directory) {
  const readmePath = `${directory}/README.md`;
  let readme = tree.read(readmePath, 'utf8');
  for (const source of Object.keys(README_EXAMPLES)) {
    let code = tree.read(`${directory}/${source}`, 'utf8').trim();
    for (const [sibling, shownAs] of Object.entries(README_EXAMPLES)) {
      code = code.replaceAll(`'./${path.basename(sibling, '.ts')}.js'`, `'./${shownAs}.js'`);
    }
    readme = readme.replace(`<!-- ${source} -->`, () => `\`\`\`ts\n${code}\n\`\`\``);
  }
  tree.write(readmePath, readme);
}

/**
 * Writes the sample workflow's recorded history (`sample-history.json`: a real run of the template, its names
 * replaced by `__name__` and `__propertyName__`) as the histories test reads it: `<file>.pb`, the protobuf
 * encoding the server uses, and the workflow id it replays under in `workflow-ids.json`.
 * @param {import('@nx/devkit').Tree} tree @param {string} directory @param {string} name @param {string} propertyName
 */
function writeSampleHistory(tree, directory, name, propertyName) {
  const json = readFileSync(path.join(__dirname, 'sample-history.json'), 'utf8')
    .replaceAll('__propertyName__', propertyName)
    .replaceAll('__name__', name);
  const { History } = temporal.api.history.v1;
  const file = `${name}-workflow.pb`;
  tree.write(
    `${directory}/src/__histories__/${file}`,
    Buffer.from(History.encode(History.fromObject(JSON.parse(json))).finish()),
  );
  tree.write(
    `${directory}/src/__histories__/workflow-ids.json`,
    `${JSON.stringify({ [file]: `${name}-workflow` }, null, 2)}\n`,
  );
}

/**
 * Adds a row for the package to the root README's package table (the table whose header starts with
 * `| package`). Returns false, with a warning, when there is no such table.
 * @param {import('@nx/devkit').Tree} tree @param {string} name @param {string} description
 */
function addToPackageTable(tree, name, description) {
  if (!tree.exists('README.md')) return false;
  const lines = tree.read('README.md', 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\|\s*package\s*\|/.test(line));
  if (header === -1) {
    logger.warn(
      'README.md has no package table (a header row starting "| package |"): add the package by hand.',
    );
    return false;
  }
  let end = header + 2;
  while (end < lines.length && lines[end].startsWith('|')) end += 1;
  // The table's entries read as lowercase phrases without a full stop.
  const summary = description
    .trim()
    .replace(/\.$/, '')
    .replace(/^[A-Z](?![A-Z])/, (first) => first.toLowerCase())
    .replaceAll('|', '\\|');
  lines.splice(end, 0, `| [\`@temporal-patterns/${name}\`](packages/${name}) | ${summary} |`);
  tree.write('README.md', lines.join('\n'));
  return true;
}

module.exports = patternGenerator;
module.exports.default = patternGenerator;
