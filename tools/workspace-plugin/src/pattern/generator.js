// Scaffolds packages/<name>: workflow-safe and client entries, a sample workflow with a test on a real
// Temporal server, the bundling test, tsup/vitest config, README and a first changeset.
const path = require('node:path');
const { formatFiles, generateFiles, logger, names } = require('@nx/devkit');

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

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
  const { propertyName, className } = names(name);

  generateFiles(tree, path.join(__dirname, 'files'), directory, {
    name,
    description,
    propertyName,
    className,
    tmpl: '',
  });
  tree.write(
    `.changeset/${name}-first-release.md`,
    `---\n'@temporal-patterns/${name}': minor\n---\n\nFirst release of @temporal-patterns/${name}.\n`,
  );
  await formatFiles(tree);

  return () => {
    logger.info(`
Created @temporal-patterns/${name} in ${directory}. Next steps:
  npm install                                   # links the package and records it in package-lock.json
  npx nx run @temporal-patterns/${name}:build
  cd ${directory} && npm test                   # runs the sample workflow on a real Temporal server
Then replace the sample workflow with your pattern; see CONTRIBUTING.md.`);
  };
}

module.exports = patternGenerator;
module.exports.default = patternGenerator;
