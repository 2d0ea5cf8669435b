import { patternPackageConfig } from '../../tools/build/tsup-preset.js';

export default patternPackageConfig();
