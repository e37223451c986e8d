/**
 * The GitHub workflow `nixcheck init` writes: recipes/github-actions.yml with the steps
 * that install the nixcheck this repository pins (see pin.ts). It never runs a package
 * looked up by name.
 */
import { readFile } from 'node:fs/promises';
import { packagePath } from '../util/package-root.js';
import type { NixcheckPin } from './pin.js';

export const WORKFLOW_RECIPE = 'recipes/github-actions.yml';

/** The recipe installs nixcheck with these steps (package.json variant) and runs it as RECIPE_COMMAND. */
const RECIPE_SETUP = /^ {6}- uses: actions\/setup-node@v\d+\n(?: {8}.*\n)+\n {6}- name: Install nixcheck[^\n]*\n {8}run: npm ci\n\n/m;
const RECIPE_COMMAND = 'node_modules/.bin/nixcheck';

/** How each pin runs nixcheck, what it installs first (the recipe's steps for `npm`), and how to update it. */
function runner(pin: NixcheckPin): { setup?: string; command: string; how: string[] } {
  switch (pin.kind) {
    case 'npm':
      return {
        command: RECIPE_COMMAND,
        how: [
          `# nixcheck comes from package.json (${pin.spec}) as package-lock.json pins it; \`npm ci\``,
          '# installs exactly that. To update: `npm install -D <nixcheck git URL>#<new tag>`, commit both.',
        ],
      };
    case 'flake':
      return {
        setup: '',
        command: `nix run '${pin.ref}#nixcheck' --`,
        how: ['# nixcheck is the flake at the commit named in the run lines. To update: change that rev,', '# or run `nixcheck init --force --nixcheck-flake <reference with the new rev>`.'],
      };
    case 'flake-input':
      return {
        setup: '',
        command: 'nix run --inputs-from . nixcheck#nixcheck --',
        how: [
          `# nixcheck is this flake's input \`nixcheck\` at the commit flake.lock pins${pin.rev ? ` (${pin.rev.slice(0, 12)})` : ''}.`,
          '# To update: `nix flake lock --update-input nixcheck`, then commit flake.lock.',
        ],
      };
  }
}

export function renderWorkflow(recipe: string, pin: NixcheckPin): string {
  const { setup, command, how } = runner(pin);
  const body = recipe.slice(recipe.search(/^name:/m));
  if (!RECIPE_SETUP.test(body) || !body.includes(`run: ${RECIPE_COMMAND} `)) throw new Error(`${WORKFLOW_RECIPE} no longer has the install steps nixcheck init replaces`);
  const header = [
    '# Written by `nixcheck init` from nixcheck\'s recipes/github-actions.yml. It tests the hosts',
    '# against suites/, annotates failing cases at their suite line, publishes JUnit results and',
    '# uploads compliance findings to code scanning. The compliance gate (any high or critical',
    '# control failing) fails the job.',
    ...how,
  ];
  const steps = setup === undefined ? body : body.replace(RECIPE_SETUP, setup);
  return `${header.join('\n')}\n${steps.replaceAll(`run: ${RECIPE_COMMAND} `, `run: ${command} `)}`;
}

export async function readWorkflowRecipe(): Promise<string> {
  return readFile(packagePath(WORKFLOW_RECIPE), 'utf8');
}
