import DverCore
import DverRepository
import DverStore
import DverSystem
#if canImport(Glibc)
import Glibc
#endif

/// Writes a datum's matched entries from the store into its pfs directory, at the same paths
/// they have in the repo (`<pfs>/<input>/<path>`), so the command sees only its own files.
/// Files are written (not linked to the workspace): the job never depends on workspace state.
struct InputMaterializer: Sendable {
    let store: ObjectStore

    /// Every directory is created through `DirectoryHandle` (no symlink followed), and a
    /// symlink whose target leaves its input is refused, as checkout refuses it. The files of an
    /// `empty_files` input are created empty (Pachyderm's placeholders: names without content).
    /// - Throws: `RepositoryError.symlinkEscapes`, store and system errors.
    func materialize(_ inputs: [DatumInput], into pfsDirectory: String) throws {
        try FileSystem.createDirectories(pfsDirectory)
        let pfs = try DirectoryHandle.open(trusted: pfsDirectory)
        for input in inputs {
            let base = try pfs.descend(input.name, create: true)
            let relative = input.path == "/" ? "" : String(input.path.dropFirst())
            if input.kind == .directory {
                _ = try base.descend(relative, create: true)
                for file in try TreeReader(store: store).files(input.id, prefix: relative) {
                    try write(file.ref, to: file.path, in: base, empty: input.emptyFiles)
                }
            } else {
                try write(FileRef(kind: input.kind, chunked: input.chunked, size: input.size, id: input.id), to: relative, in: base,
                          empty: input.emptyFiles)
            }
        }
    }

    private func write(_ ref: FileRef, to path: String, in base: DirectoryHandle, empty: Bool) throws {
        let directory = try base.descend(RepoPath.parent(path), create: true)
        let name = RepoPath.lastComponent(path)
        if ref.kind == .symlink {
            let target = try store.withChunk(ref.id) { String(validating: $0, as: UTF8.self) }
            guard let target, Symlinks.staysInside(path, target: target, mount: "") else {
                throw RepositoryError.symlinkEscapes(path: "/pfs/\(base.path.split(separator: "/").last ?? "")/\(path)",
                                                     target: target ?? "(not UTF-8)")
            }
            try directory.createSymlink(name, target: target)
            return
        }
        let fd = try directory.createFile(name, mode: ref.kind == .executable ? 0o755 : 0o644)
        defer { fd.close() }
        if empty { return }
        let chunks = ref.chunked ? try ChunkListBuilder.chunks(of: ref.id, store: store).map(\.id) : [ref.id]
        for chunk in chunks {
            try store.withChunk(chunk) { bytes in
                if let base = bytes.baseAddress { try fd.writeAll(base, count: bytes.count) }
            }
        }
    }
}
