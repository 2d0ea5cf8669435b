export { default } from '@temporal-patterns/temporal-harness/vitest-preset';
