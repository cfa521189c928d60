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

    func materialize(_ inputs: [DatumInput], into pfsDirectory: String) throws {
        for input in inputs {
            let base = "\(pfsDirectory)/\(input.name)"
            try FileSystem.createDirectories(base)
            let relative = input.path == "/" ? "" : String(input.path.dropFirst())
            if input.kind == .directory {
                try FileSystem.createDirectories(relative.isEmpty ? base : "\(base)/\(relative)")
                for file in try TreeReader(store: store).files(input.id, prefix: relative) {
                    try write(file.ref, to: "\(base)/\(file.path)")
                }
            } else {
                try write(FileRef(kind: input.kind, chunked: input.chunked, size: input.size, id: input.id), to: "\(base)/\(relative)")
            }
        }
    }

    private func write(_ ref: FileRef, to path: String) throws {
        try FileSystem.createDirectories(FileSystem.parentPath(path))
        if ref.kind == .symlink {
            let target = try store.withChunk(ref.id) { String(decoding: $0, as: UTF8.self) }
            try FileSystem.createSymlink(path, target: target)
            return
        }
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: ref.kind == .executable ? 0o755 : 0o644)
        defer { fd.close() }
        let chunks = ref.chunked ? try ChunkListBuilder.chunks(of: ref.id, store: store).map(\.id) : [ref.id]
        for chunk in chunks {
            try store.withChunk(chunk) { bytes in
                if let base = bytes.baseAddress { try fd.writeAll(base, count: bytes.count) }
            }
        }
    }
}
