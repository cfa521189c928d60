import DverChunking
import DverCore
import DverStore
import DverSystem
import Dispatch
import Synchronization

/// A workspace file to be hashed and stored.
public struct IngestItem: Sendable {
    public var absolutePath: String
    /// Workspace-relative path, for messages.
    public var displayPath: String
    /// lstat taken before reading.
    public var status: FileStatus

    public init(absolutePath: String, displayPath: String, status: FileStatus) {
        self.absolutePath = absolutePath
        self.displayPath = displayPath
        self.status = status
    }
}

/// Chunks, hashes and stores files, using every core: small files are spread over reader
/// threads (more than the cores, so that reads from disk overlap), medium ones over one thread
/// per core; each large file is chunked on one thread while others hash and store its chunks.
public final class Ingester: Sendable {
    let writer: any ObjectSink
    let chunker: FastCDC
    let progress: any ProgressSink
    /// Files below this size are read whole by `System.readerCount` threads, each with a
    /// buffer this large.
    static let smallFileLimit = 1 << 20
    /// Files at least this large go through the pipelined path; below it (and from
    /// `smallFileLimit` up) they are read whole by one thread per core.
    static let largeFileThreshold = 8 << 20

    public init(writer: any ObjectSink, progress: any ProgressSink, chunker: FastCDC = FastCDC()) {
        self.writer = writer
        self.progress = progress
        self.chunker = chunker
    }

    /// Ingests every item; results are in the order of `items`.
    /// - Throws: the first `SystemError` or `RepositoryError` met; objects already written stay
    ///   unreferenced in sealed packs or are discarded with the unsealed pack.
    public func ingest(_ items: [IngestItem]) throws -> [FileRef] {
        let results = ResultSlots(count: items.count)
        var small = [Int]()
        var medium = [Int]()
        var large = [Int]()
        for (index, item) in items.enumerated() {
            let size = item.status.kind == .regular ? item.status.size : 0
            if size >= Int64(Self.largeFileThreshold) {
                large.append(index)
            } else if size >= Int64(Self.smallFileLimit) {
                medium.append(index)
            } else {
                small.append(index)
            }
        }
        try ingestConcurrently(small, items: items, results: results, threads: System.readerCount, bufferSize: Self.smallFileLimit)
        try ingestConcurrently(medium, items: items, results: results, threads: System.coreCount, bufferSize: Self.largeFileThreshold)
        for index in large {
            results.set(index, try ingestLarge(items[index]))
        }
        return try results.values()
    }

    /// Reads and stores files of less than `bufferSize` bytes on `threads` threads, each with
    /// its own buffer. Small files get more threads than there are cores: a read of a file that
    /// is not in the page cache blocks its thread on the disk, and a disk serves many reads at
    /// once (a cold 100k-file add: 5.6 s with two readers, 2.4 s with sixteen; warm, the same).
    private func ingestConcurrently(_ indices: [Int], items: [IngestItem], results: ResultSlots,
                                    threads: Int, bufferSize: Int) throws {
        guard !indices.isEmpty else { return }
        let next = Atomic<Int>(0)
        let failure = FirstError()
        let threads = min(threads, indices.count)
        try ParallelWork.run(threads, workers: threads) { [self] _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize + 1, alignment: 64)
            defer { buffer.deallocate() }
            while !failure.isSet {
                let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if position >= indices.count { break }
                let index = indices[position]
                do {
                    results.set(index, try ingestWhole(items[index], buffer: buffer))
                } catch {
                    failure.record(error)
                }
            }
        }
        try failure.rethrow()
    }

    /// Reads a file that fits in `buffer` and stores it.
    private func ingestWhole(_ item: IngestItem, buffer: UnsafeMutableRawBufferPointer) throws -> FileRef {
        switch item.status.kind {
        case .symlink:
            return try ingestSymlink(item)
        case .regular:
            break
        case .directory, .other:
            throw RepositoryError.unsupportedFileType(item.displayPath)
        }
        let fd = try FileDescriptor.openForReading(item.absolutePath)
        let count: Int
        do {
            defer { fd.close() }
            // One read normally suffices: ask for one byte more than lstat said, and stop when
            // exactly the expected size arrived (a file changed meanwhile has a new mtime, so the
            // stat cache taken before reading makes the next status re-read it).
            let expected = Int(max(0, item.status.size))
            let first = try fd.read(into: buffer.baseAddress!, count: min(buffer.count, expected + 1))  // buffer is non-empty
            if first == expected || first == 0 {
                count = first
            } else {
                count = first + (try fd.readFully(into: buffer.baseAddress! + first, count: buffer.count - first))
            }
        }
        if count >= buffer.count {
            // The file grew past the buffer after lstat; take the streaming path.
            return try ingestLarge(item)
        }
        let kind: EntryKind = item.status.isExecutable ? .executable : .file
        let ref = try store(UnsafeRawBufferPointer(rebasing: buffer[..<count]), kind: kind)
        progress.advance(bytes: UInt64(count), items: 1)
        return ref
    }

    /// Chunks and stores an in-memory file.
    func store(_ data: UnsafeRawBufferPointer, kind: EntryKind) throws -> FileRef {
        let lengths = chunker.chunkLengths(data)
        if lengths.count <= 1 {
            let id = SHA256.hash(data)
            try writer.put(id, kind: .chunk, bytes: data, compress: true)
            return FileRef(kind: kind, chunked: false, size: UInt64(data.count), id: id)
        }
        var entries = [ChunkListNode.Entry]()
        entries.reserveCapacity(lengths.count)
        var offset = 0
        for length in lengths {
            let chunk = UnsafeRawBufferPointer(rebasing: data[offset..<offset + length])
            let id = SHA256.hash(chunk)
            try writer.put(id, kind: .chunk, bytes: chunk, compress: true)
            entries.append(.init(id: id, length: UInt64(length)))
            offset += length
        }
        let root = try ChunkListBuilder.build(entries, writer: writer)
        return FileRef(kind: kind, chunked: true, size: UInt64(data.count), id: root)
    }

    private func ingestSymlink(_ item: IngestItem) throws -> FileRef {
        let target = Array(try FileSystem.readLink(item.absolutePath).utf8)
        let id = SHA256.hash(target)
        try target.withUnsafeBytes { _ = try writer.put(id, kind: .chunk, bytes: $0, compress: true) }
        progress.advance(bytes: UInt64(target.count), items: 1)
        return FileRef(kind: .symlink, chunked: false, size: UInt64(target.count), id: id)
    }
}

/// Per-item results written by worker threads into distinct slots.
final class ResultSlots: Sendable {
    private let slots: Locked<[FileRef?]>

    init(count: Int) { slots = Locked([FileRef?](repeating: nil, count: count)) }

    func set(_ index: Int, _ value: FileRef) { slots.withLock { $0[index] = value } }

    func values() throws -> [FileRef] {
        try slots.withLock { slots in
            try slots.map { slot in
                guard let slot else { throw RepositoryError.pathNotFound("(internal: missing ingest result)") }
                return slot
            }
        }
    }
}
