import { describe, expect, it } from 'vitest';
import { throwsText } from '../../src/match/throws-text.js';
import { nixErrorMessage } from '../../src/nix/nix-cli.js';
import { packagePath } from '../../src/util/package-root.js';

const ENGINE = packagePath('src', 'nix', 'engine.nix');

/** As Nix 2.8 prints it with --show-trace: the message, then the frames. */
const NIX_2_8 = `error: A definition for option \`port' is not of type \`16 bit unsigned integer'. Definition values:
       - In \`/etc/nixos/bad.nix': "x"

       … while evaluating the attribute 'mergedValue'

       at /nix/store/00000000000000000000000000000000-source/lib/modules.nix:1244:5:

         1243|     # Type-check the remaining definitions
         1244|     mergedValue =
             |     ^
         1245|       if isDefined then

       … while evaluating the option \`port':

       … while evaluating 'nixType'

       at ${ENGINE}:54:13:

           53|
           54|   nixType = value:
             |             ^

       … while evaluating definitions from \`/etc/nixos/bad.nix':`;

/** As later Nix versions print it: the frames first, the message last. */
const NIX_2_2X = `error:
       … while evaluating the option \`port':

       … while evaluating definitions from \`/etc/nixos/bad.nix':
         at /nix/store/00000000000000000000000000000000-source/lib/modules.nix:1244:5:
         1243|     # Type-check the remaining definitions
             |     ^

       error: A definition for option \`port' is not of type \`16 bit unsigned integer'. Definition values:
       - In \`/etc/nixos/bad.nix': "x"`;

describe('what throws: sees', () => {
  it("is the whole trace without source excerpts and without the frames of nixcheck's own files", () => {
    const text = throwsText({ error: 'error: short', trace: NIX_2_8 });
    expect(text).toMatch(/^error: A definition for option `port'/);
    expect(text).toContain("… while evaluating the option `port':");
    expect(text).toContain("… while evaluating definitions from `/etc/nixos/bad.nix':");
    expect(text).toContain('at /nix/store/00000000000000000000000000000000-source/lib/modules.nix:1244:5:');
    expect(text).not.toContain('mergedValue =');
    expect(text).not.toContain('|');
    expect(text).not.toContain('nixType');
    expect(text).not.toContain(ENGINE);
  });

  it('is the message alone when Nix gave no trace (errors that end the process)', () => {
    expect(throwsText({ error: 'error: infinite recursion encountered' })).toBe('error: infinite recursion encountered');
  });
});

describe('the message of a --show-trace text', () => {
  it('is what comes before the frames (Nix 2.8) or the last error: line on (later versions)', () => {
    const message = 'error: A definition for option `port\' is not of type `16 bit unsigned integer\'. Definition values:\n       - In `/etc/nixos/bad.nix\': "x"';
    expect(nixErrorMessage(NIX_2_8)).toBe(message);
    expect(nixErrorMessage(NIX_2_2X)).toBe(message.replace('\n       - In', '\n- In'));
    expect(nixErrorMessage('error: plain')).toBe('error: plain');
  });
});

describe('what throws: sees, line by line', () => {
  const OWN = `${packagePath('src', 'nix')}/session.nix`;

  it('drops a frame and its position only when the position is in nixcheck\'s own Nix files', () => {
    const trace = ['error: boom', '', '       … while evaluating x', '   ', `       at ${OWN}:1:2:`, '', '       … while evaluating y', `       at ${packagePath('src')}/other.nix:3:4:`].join('\n');
    expect(throwsText({ error: 'error: boom', trace })).toBe(['error: boom', '', '       … while evaluating y', `       at ${packagePath('src')}/other.nix:3:4:`].join('\n'));
  });

  it("drops a frame whose position is in the lines nixcheck types into nix repl («string»)", () => {
    const trace = ['error: boom', '       … while evaluating x', '       at «string»:1:2:', '       … while evaluating y', '       at /etc/nixos/x.nix:3:4:'].join('\n');
    expect(throwsText({ error: 'error: boom', trace })).toBe(['error: boom', '       … while evaluating y', '       at /etc/nixos/x.nix:3:4:'].join('\n'));
  });

  it('keeps a line that only contains a frame marker, or a position that is not alone on its line', () => {
    const trace = [`error: expected … here`, `       at ${OWN}:1:2:`, '       … while evaluating z', `       called at ${OWN}:1:2:`, '       … while evaluating w', `       at ${OWN}:1:2: more`].join('\n');
    expect(throwsText({ error: 'x', trace })).toBe(trace);
  });

  it('keeps lines with a | that are no source excerpt', () => {
    const trace = 'error: value is "a|b"\n       12| code\n         | ^';
    expect(throwsText({ error: 'x', trace })).toBe('error: value is "a|b"');
  });

  it('leaves at most one blank line between what it keeps, and none around', () => {
    const trace = ['', '  ', 'error: a', '', '  ', '', 'error: b', '', ''].join('\n');
    expect(throwsText({ error: 'x', trace })).toBe('error: a\n\nerror: b');
    expect(throwsText({ error: 'x', trace: 'error: a\n\nerror: b' })).toBe('error: a\n\nerror: b');
    expect(throwsText({ error: 'x', trace: 'error: a\n \t\nerror: b' })).toBe('error: a\n \t\nerror: b');
  });

  it('a frame at the very end stays', () => {
    expect(throwsText({ error: 'x', trace: 'error: a\n       … while evaluating b' })).toBe('error: a\n       … while evaluating b');
  });
});
