// `npm run lint` (part of `npm test`): typescript-eslint's recommended rules without type
// information, cached in dist/, so that it takes seconds; the type checks are tsc's.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'images/', 'native/', 'state/'] },
  tseslint.configs.recommended,
  {
    rules: {
      // Parameters a FileOps method must take but does not use are named _x.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // A canceller read by a callback before it is assigned (machine.ts wait) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
);
