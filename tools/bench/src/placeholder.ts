// The benchmark suite lands here (npm run bench, npm run test:faults).
export {};
