import DverCore
import DverStore
import DverSystem
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Writes stored file versions into the workspace: each file goes to a temporary name in its
/// directory and is renamed into place, so a reader (or a crash) never sees a half-written file.
struct FileRestorer: Sendable {
    let store: ObjectStore
    let progress: any ProgressSink
    static let parallelThreshold: UInt64 = 8 << 20

    /// Writes every file (absolute path → version) and returns their lstat data.
    /// Parent directories are created; files or symlinks standing where a directory must go are
    /// removed (callers have checked that nothing uncommitted is lost).
    func restore(_ files: [(path: String, ref: FileRef)]) throws -> [FileStatus] {
        try prepareDirectories(for: files.map(\.path))
        let results = Mutex<[FileStatus?]>([FileStatus?](repeating: nil, count: files.count))
        let small = files.indices.filter { files[$0].ref.size < Self.parallelThreshold || files[$0].ref.kind == .symlink }
        let large = files.indices.filter { files[$0].ref.size >= Self.parallelThreshold && files[$0].ref.kind != .symlink }
        let failure = FirstError()
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(max(small.count, 1), System.coreCount)) { _ in
            while !failure.isSet {
                let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if position >= small.count { break }
                let index = small[position]
                do {
                    let status = try write(files[index].ref, to: files[index].path)
                    results.withLock { $0[index] = status }
                } catch {
                    failure.record(error)
                }
            }
        }
        try failure.rethrow()
        for index in large {
            let status = try write(files[index].ref, to: files[index].path)
            results.withLock { $0[index] = status }
        }
        return results.withLock { $0.compactMap { $0 } }
    }

    /// Creates the directories the paths need, removing non-directories in the way.
    private func prepareDirectories(for paths: [String]) throws {
        var needed = Set<String>()
        for path in paths {
            var parent = FileSystem.parentPath(path)
            while !parent.isEmpty, parent != "/", needed.insert(parent).inserted { parent = FileSystem.parentPath(parent) }
        }
        for directory in needed.sorted(by: { $0.utf8.count < $1.utf8.count }) {
            if let status = try FileSystem.linkStatusIfExists(directory) {
                if status.kind == .directory { continue }
                try FileSystem.remove(directory)
            }
            try FileSystem.createDirectories(directory)
        }
    }

    /// Writes one file version at `path` and returns its lstat data.
    func write(_ ref: FileRef, to path: String) throws -> FileStatus {
        let directory = FileSystem.parentPath(path)
        let temporary = "\(directory)/.dver-tmp-\(UInt64.random(in: 0...UInt64.max))"
        do {
            if ref.kind == .symlink {
                let target = try store.withChunk(ref.id) { String(decoding: $0, as: UTF8.self) }
                try FileSystem.createSymlink(temporary, target: target)
            } else {
                try writeContent(ref, to: temporary)
            }
            if let existing = try FileSystem.linkStatusIfExists(path), existing.kind == .directory {
                try FileSystem.removeTree(path)
            }
            try FileSystem.rename(temporary, to: path)
        } catch {
            _ = try? FileSystem.removeIfExists(temporary)
            throw error
        }
        progress.advance(bytes: ref.size, items: 1)
        return try FileSystem.linkStatus(path)
    }

    private func writeContent(_ ref: FileRef, to path: String) throws {
        let mode: mode_t = ref.kind == .executable ? 0o777 : 0o666
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        defer { fd.close() }
        if !ref.chunked {
            try store.withChunk(ref.id) { bytes in
                guard UInt64(bytes.count) == ref.size else {
                    throw StoreError.corruptObject(ref.id, reason: "chunk has \(bytes.count) bytes, the tree says the file has \(ref.size)")
                }
                if let base = bytes.baseAddress { try fd.writeAll(base, count: bytes.count) }
            }
            return
        }
        let chunks = try ChunkListBuilder.chunks(of: ref.id, store: store)
        var offsets = [Int64]()
        offsets.reserveCapacity(chunks.count)
        var total: Int64 = 0
        for chunk in chunks {
            offsets.append(total)
            total += Int64(chunk.length)
        }
        guard UInt64(total) == ref.size else {
            throw StoreError.corruptObject(ref.id, reason: "chunk list covers \(total) bytes, tree says \(ref.size)")
        }
        try fd.truncate(to: total)
        let chunkOffsets = offsets
        let failure = FirstError()
        let workers = ref.size >= Self.parallelThreshold ? System.coreCount : 1
        let store = self.store
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < chunks.count, !failure.isSet {
                do {
                    let chunk = chunks[index]
                    try store.withChunk(chunk.id) { bytes in
                        guard bytes.count == Int(chunk.length) else {
                            throw StoreError.corruptObject(chunk.id, reason: "chunk has \(bytes.count) bytes, list says \(chunk.length)")
                        }
                        if let base = bytes.baseAddress { try fd.pwriteAll(base, count: bytes.count, offset: chunkOffsets[index]) }
                    }
                } catch {
                    failure.record(error)
                }
                index += workers
            }
        }
        try failure.rethrow()
    }
}
