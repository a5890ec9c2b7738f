import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', '.data/**', 'node_modules/**', '**/*.mjs', '**/*.cjs', 'scripts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
      'no-restricted-syntax': [
        'error',
        {
          // A listener names its event by class (typed payload, no string to misspell); strings only for wildcards.
          selector: "Decorator > CallExpression[callee.name='OnEvent'] > :first-child:not(Literal[value=/\\*/])",
          message: 'Subscribe with @OnDomainEvent(EventClass); @OnEvent only for wildcard subscriptions.',
        },
        {
          // An emitter names its event by the payload's class, so a name and another event's payload cannot be paired.
          selector:
            "CallExpression[callee.property.name=/^emit(Async)?$/] > MemberExpression.arguments:first-child[property.name='eventName']",
          message: 'Emit with publish(emitter, new EventClass(...)) or publishAndWait (src/common/events/publish.ts).',
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
);
