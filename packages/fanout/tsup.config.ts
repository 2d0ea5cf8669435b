import { patternPackageConfig } from '../../tools/build/tsup-preset.js';

export default patternPackageConfig({ entry: ['src/index.ts', 'src/client.ts', 'src/definitions.ts'] });
