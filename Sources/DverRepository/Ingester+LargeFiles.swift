import DverChunking
import DverCore
import DverStore
import DverSystem
import Dispatch
import Synchronization

extension Ingester {
    static let windowSize = 16 << 20
    static let firstWindowSize = 2 << 20
    static let windowsInFlight = 4

    /// Streams a large file: this thread reads and chunks fixed windows while worker threads
    /// hash and store the chunks of earlier windows. Memory stays at a few windows.
    func ingestLarge(_ item: IngestItem) throws -> FileRef {
        let fd = try FileDescriptor.openForReading(item.absolutePath)
        defer { fd.close() }
        fd.adviseSequential()
        let maximum = chunker.parameters.maximumSize
        let pool = WindowPool(capacity: Self.windowSize + maximum, count: Self.windowsInFlight)
        defer { pool.deallocateAll() }
        let group = DispatchGroup()
        let failure = FirstError()
        var windows = [WindowChunks]()
        var carry: (buffer: UnsafeMutableRawBufferPointer, offset: Int, count: Int)?
        var total = 0
        var atEnd = false

        while !atEnd {
            if failure.isSet { break }
            let buffer = pool.take()
            var available = 0
            if let carry {
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<carry.count])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: carry.buffer[carry.offset..<carry.offset + carry.count]))
                available = carry.count
            }
            // The first windows are small, so the workers start hashing sooner.
            let wanted = windows.count < 3 ? Self.firstWindowSize << windows.count : Self.windowSize
            let got = try fd.readFully(into: buffer.baseAddress! + available, count: wanted)  // buffer capacity > window
            available += got
            total += got
            atEnd = got < wanted
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)  // non-empty buffer
            let lengths = chunker.chunkLengths(base, count: available, isLast: atEnd)
            let offset = lengths.reduce(0, +)
            carry = offset < available ? (buffer, offset, available - offset) : nil
            let window = WindowChunks(buffer: buffer, lengths: lengths)
            windows.append(window)
            dispatch(window, pool: pool, group: group, failure: failure)
        }
        group.wait()
        try failure.rethrow()

        let entries = windows.flatMap { $0.entries() }
        let kind: EntryKind = item.status.isExecutable ? .executable : .file
        if entries.count == 1 {
            return FileRef(kind: kind, chunked: false, size: UInt64(total), id: entries[0].id)
        }
        if entries.isEmpty {
            return try store(UnsafeRawBufferPointer(start: nil, count: 0), kind: kind)
        }
        let root = try ChunkListBuilder.build(entries, writer: writer)
        return FileRef(kind: kind, chunked: true, size: UInt64(total), id: root)
    }

    /// Hashes and stores a window's chunks on worker threads, in a few slices; the buffer goes
    /// back to the pool when the last slice is done.
    private func dispatch(_ window: WindowChunks, pool: WindowPool, group: DispatchGroup,
                          failure: FirstError) {
        let count = window.lengths.count
        guard count > 0 else {
            pool.give(window.buffer)
            return
        }
        let slices = min(count, 4)
        let remaining = Countdown(slices)
        let writer = self.writer
        let progress = self.progress
        for slice in 0..<slices {
            let range = (count * slice / slices)..<(count * (slice + 1) / slices)
            group.enter()
            DispatchQueue.global().async {
                defer {
                    if remaining.decrementIsLast() {
                        pool.give(window.buffer)
                    }
                    group.leave()
                }
                do {
                    var bytes: UInt64 = 0
                    for index in range {
                        let chunk = window.chunk(index)
                        let id = SHA256.hash(chunk)
                        try writer.put(id, kind: .chunk, bytes: chunk, compress: true)
                        window.setID(id, at: index)
                        bytes += UInt64(chunk.count)
                    }
                    progress.advance(bytes: bytes, items: 0)
                } catch {
                    failure.record(error)
                }
            }
        }
    }
}

/// A window's chunk boundaries and, once hashed, ids. Worker threads write disjoint `ids` slots;
/// the reading thread reads them only after the dispatch group has completed.
final class WindowChunks: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
    let lengths: [Int]
    private let offsets: [Int]
    private var ids: [ObjectID]

    init(buffer: UnsafeMutableRawBufferPointer, lengths: [Int]) {
        self.buffer = buffer
        self.lengths = lengths
        var offsets = [Int]()
        offsets.reserveCapacity(lengths.count)
        var offset = 0
        for length in lengths {
            offsets.append(offset)
            offset += length
        }
        self.offsets = offsets
        ids = [ObjectID](repeating: .zero, count: lengths.count)
    }

    func chunk(_ index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[offsets[index]..<offsets[index] + lengths[index]])
    }

    func setID(_ id: ObjectID, at index: Int) {
        ids.withUnsafeMutableBufferPointer { $0[index] = id }
    }

    func entries() -> [ChunkListNode.Entry] {
        zip(ids, lengths).map { ChunkListNode.Entry(id: $0, length: UInt64($1)) }
    }
}

/// A fixed set of window buffers; `take` blocks until one is free, bounding memory.
/// `free` (indexes into `all`) is guarded by its mutex; `all` is immutable.
final class WindowPool: @unchecked Sendable {
    private let free: Mutex<[Int]>
    private let all: [UnsafeMutableRawBufferPointer]
    private let available: DispatchSemaphore

    init(capacity: Int, count: Int) {
        var buffers = [UnsafeMutableRawBufferPointer]()
        for _ in 0..<count {
            buffers.append(UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 4096))
        }
        all = buffers
        free = Mutex(Array(buffers.indices))
        available = DispatchSemaphore(value: count)
    }

    func take() -> UnsafeMutableRawBufferPointer {
        available.wait()
        return all[free.withLock { $0.removeLast() }]
    }

    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let index = all.firstIndex(where: { $0.baseAddress == buffer.baseAddress }) else { return }
        free.withLock { $0.append(index) }
        available.signal()
    }

    func deallocateAll() {
        for buffer in all { buffer.deallocate() }
    }
}

/// Keeps the first error thrown by any worker thread.
final class FirstError: Sendable {
    private let error = Mutex<(any Error)?>(nil)
    private let flag = Atomic<Bool>(false)

    /// Cheap enough to check before every item of work.
    var isSet: Bool { flag.load(ordering: .acquiring) }

    func record(_ new: any Error) {
        error.withLock { if $0 == nil { $0 = new } }
        flag.store(true, ordering: .releasing)
    }

    func rethrow() throws {
        if let error = error.withLock({ $0 }) { throw error }
    }
}

/// Counts down to zero across threads.
final class Countdown: Sendable {
    private let value: Atomic<Int>

    init(_ count: Int) { value = Atomic(count) }

    /// Decrements; true for the call that reached zero.
    func decrementIsLast() -> Bool {
        value.wrappingSubtract(1, ordering: .acquiringAndReleasing).oldValue == 1
    }
}
