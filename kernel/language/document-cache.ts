import ts from "#typescript";

interface Held {
  file: ts.SourceFile;
  key: ts.DocumentRegistryBucketKey;
  scriptKind: ts.ScriptKind | undefined;
  impliedNodeFormat: ts.ResolutionMode;
}

/**
 * One language service's view of the shared DocumentRegistry, answering the question it asks for
 * every file of every new program, "the same version of a file I already hold?", from a map.
 *
 * Each check builds a new program, and TypeScript asks the registry for each of its ~700 files
 * (the prelude's typings); the shared registry's answer costs a bucket lookup, a key string and
 * option objects per file. A source file of a given path and version never changes (in-memory
 * files get a new version for each new text, files on disk are read once), so the file this
 * service was last given for that version is the answer. Acquiring and releasing, which count
 * references in the shared registry, always go through to it.
 */
export function documentCache(shared: ts.DocumentRegistry): ts.DocumentRegistry {
  const held = new Map<ts.Path, Held>();
  const hold = (path: ts.Path, key: ts.DocumentRegistryBucketKey, scriptKind: ts.ScriptKind | undefined, options: unknown, file: ts.SourceFile) => {
    held.set(path, { file, key, scriptKind, impliedNodeFormat: impliedNodeFormat(options) });
    return file;
  };
  return {
    acquireDocument: (...args) => shared.acquireDocument(...args),
    updateDocument: (...args) => shared.updateDocument(...args),
    getKeyForCompilationSettings: (settings) => shared.getKeyForCompilationSettings(settings),
    reportStats: () => shared.reportStats(),
    acquireDocumentWithKey(fileName, path, host, key, snapshot, version, scriptKind, options) {
      return hold(path, key, scriptKind, options, shared.acquireDocumentWithKey(fileName, path, host, key, snapshot, version, scriptKind, options));
    },
    updateDocumentWithKey(fileName, path, host, key, snapshot, version, scriptKind, options) {
      const hit = held.get(path);
      if (
        hit !== undefined &&
        (hit.file as { version?: string }).version === version &&
        hit.key === key &&
        hit.scriptKind === scriptKind &&
        hit.impliedNodeFormat === impliedNodeFormat(options)
      ) {
        return hit.file;
      }
      return hold(path, key, scriptKind, options, shared.updateDocumentWithKey(fileName, path, host, key, snapshot, version, scriptKind, options));
    },
    releaseDocument(fileName: string, settings: ts.CompilerOptions, scriptKind?: ts.ScriptKind, format?: ts.ResolutionMode) {
      held.clear(); // by file name, not path: rare (TypeScript itself releases by key)
      shared.releaseDocument(fileName, settings, scriptKind!, format);
    },
    releaseDocumentWithKey(path: ts.Path, key: ts.DocumentRegistryBucketKey, scriptKind?: ts.ScriptKind, format?: ts.ResolutionMode) {
      held.delete(path);
      shared.releaseDocumentWithKey(path, key, scriptKind!, format);
    },
  };
}

function impliedNodeFormat(options: unknown): ts.ResolutionMode {
  return typeof options === "object" && options !== null ? (options as ts.CreateSourceFileOptions).impliedNodeFormat : undefined;
}
