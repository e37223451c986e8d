/**
 * The names the module system gives the files of definitions that come from no file of
 * their own. Shared by the evidence (whose definition is it?) and the option inventory
 * (is it the user's?).
 */

/** The file the module system names for a suite's `with:` definitions (engine.nix's module). */
export const WITH_MODULE_FILE = 'nixcheck `with:` overrides';

/** What the module system names as the file of a module listed inline (not a path). */
export const INLINE_MODULE_FILE = '<unknown-file>';

/** The module system's own module (`_module.args`, ...), as nixpkgs' lib names it. */
export const MODULE_SYSTEM_FILE = 'lib/modules.nix';

/** A module written inline: a name, not a path (`<unknown-file>`, or the module's own `_file` label). */
export function isInlineModule(file: string): boolean {
  return !file.startsWith('/') && file !== MODULE_SYSTEM_FILE && file !== WITH_MODULE_FILE;
}

/** `inline module`, or `inline module "label"` when the module named itself. */
export function inlineModuleLabel(file: string): string {
  return file === INLINE_MODULE_FILE ? 'inline module' : `inline module "${file}"`;
}
