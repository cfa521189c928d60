import DverAccess
import DverCore
import DverSystem
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file or directory opened through the mount (what `fi->fh` points at): callbacks given a
/// handle get no path (libfuse's `nullpath_ok`), so the handle carries the entry.
class OpenNode: @unchecked Sendable {
    // Immutable after init; subclasses add only Sendable state.
    let path: String
    let entry: TreeEntry

    init(path: String, entry: TreeEntry) {
        self.path = path
        self.entry = entry
    }
}

/// An open directory.
final class OpenDirectory: OpenNode, @unchecked Sendable {}

/// A file opened through the mount: its content, and the stream state read-ahead follows.
final class OpenFile: OpenNode, @unchecked Sendable {
    let content: FileContent
    // Touched only under its lock.
    private let stream = Locked((nextOffset: UInt64(0), readAheadRunning: false))

    init(path: String, content: FileContent) {
        self.content = content
        super.init(path: path, entry: content.entry)
    }

    /// Records a read of `range`; true when it continued the previous one (a sequential stream).
    func recordRead(_ range: Range<UInt64>) -> Bool {
        stream.withLock { state in
            let sequential = range.lowerBound == state.nextOffset
            state.nextOffset = range.upperBound
            return sequential
        }
    }

    /// Claims the stream's one read-ahead slot; false when a read-ahead is already running.
    func beginReadAhead() -> Bool {
        stream.withLock { state in
            guard !state.readAheadRunning else { return false }
            state.readAheadRunning = true
            return true
        }
    }

    func endReadAhead() { stream.withLock { $0.readAheadRunning = false } }
}

extension MountedFileSystem {
    /// Opens a file for reading; the returned handle goes in `fi->fh`. Writes are refused
    /// (the kernel refuses them first on a read-only mount).
    func open(_ path: String, flags: Int32) -> Result<OpenFile, Errno> {
        guard flags & O_ACCMODE == O_RDONLY, flags & O_TRUNC == 0 else { return .failure(Errno(EROFS)) }
        do {
            guard let entry = try view.entry(at: path) else { return .failure(Errno(ENOENT)) }
            switch entry.kind {
            case .file, .executable: return .success(OpenFile(path: path, content: view.snapshot.content(of: entry)))
            case .directory: return .failure(Errno(EISDIR))
            case .symlink: return .failure(Errno(ELOOP))
            }
        } catch {
            return .failure(Errno(-failure(error, "cannot open \(path)")))
        }
    }

    /// Copies up to `size` bytes at `offset` into `buffer`: exactly the bytes the file has
    /// there (fewer only at its end), or EIO. Never a short read inside the file: the kernel
    /// would take it for the end of the file and show zeros.
    func read(_ file: OpenFile, into buffer: UnsafeMutablePointer<CChar>, size: Int, offset: Int64) -> Int32 {
        guard offset >= 0, size >= 0, size <= Int(Int32.max) else { return -EINVAL }
        let start = UInt64(offset)
        let fileSize = file.content.size
        guard start < fileSize, size > 0 else { return 0 }
        let end = min(fileSize, start + UInt64(size))   // start < 2^63, size < 2^31: no overflow
        let expected = Int(end - start)
        keepChunk(endingInside: end, of: file)
        if let remote, let chunks = try? file.content.chunks(overlapping: start..<end) {
            remote.prefetch(chunks.map(\.id))   // together; failures surface in the read below
        }
        var written = 0
        do {
            try file.content.read(start..<end) { piece in
                guard let base = piece.baseAddress, written + piece.count <= expected else {
                    throw AccessError.invalidRange(size: fileSize)
                }
                memcpy(buffer + written, base, piece.count)
                written += piece.count
                return true
            }
        } catch {
            return failure(error, "cannot read \(file.path) [\(start), +\(expected)]")
        }
        guard written == expected else {
            return failure(AccessError.invalidRange(size: fileSize), "short read of \(file.path) at \(start): \(written) of \(expected) bytes")
        }
        statistics.recordRead(bytes: written)
        if file.recordRead(start..<end), remote != nil { readAhead(file, after: end) }
        return Int32(written)
    }

    /// When a read ends inside a chunk, the next read starts in it: keep it in memory so it is
    /// read and verified once.
    func keepChunk(endingInside end: UInt64, of file: OpenFile) {
        guard end > 0, end < file.content.size, let last = try? file.content.chunk(at: end - 1),
              last.range.upperBound > end else { return }
        source.keep(last.id)
    }

    /// Remote-backed mounts fetch, in the background, the next chunk a sequential stream will
    /// need when it is not available yet: at most one chunk ahead, one at a time per stream.
    func readAhead(_ file: OpenFile, after offset: UInt64) {
        guard let remote, offset < file.content.size, file.beginReadAhead() else { return }
        let source = self.source
        let statistics = self.statistics
        DispatchQueue.global(qos: .utility).async {
            defer { file.endReadAhead() }
            do {
                guard var next = try file.content.chunk(at: offset) else { return }
                // The read ended inside a chunk it already has: the one after it is next.
                if remote.isAvailable(next.id), let following = try file.content.chunk(at: next.range.upperBound) {
                    next = following
                }
                guard !remote.isAvailable(next.id) else { return }
                statistics.recordReadAhead()
                try source.withChunk(next.id) { _ in }
            } catch {
                // The read that needs it reports the failure (EIO and a log line).
            }
        }
    }
}

/// An errno value, for results that carry one.
struct Errno: Error, Sendable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}
