/**
 * Output files of the command line: checks before a long computation that
 * each path can be written, and writes a group of files so that a failure
 * leaves none of them behind.
 */
import { constants, existsSync } from 'node:fs';
import { access, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ValidationError } from '../core/errors.ts';

/** One file to write, with the option that named it, for error messages. */
export interface OutputFile {
  option: string;
  path: string;
  content: Uint8Array | string;
}

/**
 * Checks that `path` can be created or replaced: its folder exists and is
 * writable, and the path is not a folder.
 *
 * @throws ValidationError naming `option` and the reason.
 */
export async function checkWritablePath(option: string, path: string): Promise<void> {
  const folder = dirname(resolve(path));
  let folderInfo;
  try {
    folderInfo = await stat(folder);
  } catch (error) {
    throw new ValidationError(option, path, `a file path in an existing folder, but ${folder} cannot be read (${describeError(error)})`);
  }
  if (!folderInfo.isDirectory()) {
    throw new ValidationError(option, path, `a file path in a folder, but ${folder} is not a folder`);
  }
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    throw new ValidationError(option, path, `a file path in a writable folder, but ${folder} is not writable (${describeError(error)})`);
  }
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new ValidationError(option, path, 'a file path, but it is a folder');
  }
}

/**
 * Checks that `folder` is a writable folder, or that its nearest existing
 * ancestor is one, so that {@link prepareOutputFolder} can create it.
 *
 * @throws ValidationError naming `option` and the reason.
 */
export async function checkOutputFolder(option: string, folder: string): Promise<void> {
  let existing = resolve(folder);
  while (!existsSync(existing) && dirname(existing) !== existing) {
    existing = dirname(existing);
  }
  const creates = existing !== resolve(folder);
  try {
    if (!(await stat(existing)).isDirectory()) {
      throw new Error(`${existing} is not a folder`);
    }
    await access(existing, constants.W_OK);
  } catch (error) {
    const allowed = creates ? `a folder path that can be created, but ${describeError(error)}` : `a writable folder (${describeError(error)})`;
    throw new ValidationError(option, folder, allowed);
  }
}

/**
 * Creates `folder` (with its parents) unless it exists, and checks that it is
 * a writable folder.
 *
 * @throws ValidationError naming `option` and the reason.
 */
export async function prepareOutputFolder(option: string, folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
    if (!(await stat(folder)).isDirectory()) {
      throw new Error(`${folder} is not a folder`);
    }
    await access(folder, constants.W_OK);
  } catch (error) {
    throw new ValidationError(option, folder, `a writable folder, or a path where one can be created (${describeError(error)})`);
  }
}

/**
 * Writes every file to a temporary name in its own folder, then renames each
 * into place. On any failure it removes the temporary files and the files it
 * already renamed, so no output of the group is left behind. A file that the
 * group replaced is not restored.
 *
 * @throws ValidationError naming the option of the file that failed.
 */
export async function writeFilesAtomically(files: readonly OutputFile[]): Promise<void> {
  const temporaries = files.map((file) => join(dirname(file.path), `.${basename(file.path)}.${process.pid}.tmp`));
  const renamed: string[] = [];
  let current: OutputFile | undefined;
  try {
    for (const [index, file] of files.entries()) {
      current = file;
      await writeFile(temporaries[index]!, file.content);
    }
    for (const [index, file] of files.entries()) {
      current = file;
      await rename(temporaries[index]!, file.path);
      renamed.push(file.path);
    }
  } catch (error) {
    await Promise.all([...temporaries, ...renamed].map((path) => rm(path, { force: true })));
    throw new ValidationError(current?.option ?? 'output', current?.path, `a writable file path (${describeError(error)})`);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
