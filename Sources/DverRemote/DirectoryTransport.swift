import DverCore
import DverSystem
#if canImport(Glibc)
import Glibc
#endif

/// A remote in a directory (local disk or a mounted network file system). Objects are files;
/// writes go to a temporary name, are fsynced and renamed, so readers see whole files only.
/// Conditional writes compare the SHA-256 of the current content under an flock on
/// `ROOT/.lock` (which needs a file system with working flock, as NFSv4 and SMB3 have).
/// Listing and deleting: `DirectoryTransport+Listing`.
public struct DirectoryTransport: RemoteTransport {
    public let root: String
    let counter = RequestCounter()

    public init(root: String) { self.root = root }

    public var displayURL: String { root }
    public var requestCount: Int { counter.count }

    func path(_ key: String) -> String { "\(root)/\(key)" }

    public func prepare(creating: Bool) throws {
        counter.increment()
        if FileSystem.isDirectory(root) { return }
        let parent = FileSystem.parentPath(root)
        guard creating, FileSystem.isDirectory(parent) else { throw RemoteError.remoteNotFound(url: root) }
        try FileSystem.createDirectories(root, durable: true)
    }

    public func get(_ key: String, limit: Int) throws -> RemoteBlob? {
        counter.increment()
        // A missing directory reads as an empty remote; `prepare` tells the two apart.
        guard FileSystem.exists(path(key)) else { return nil }
        let bytes = try read(key, limit: limit)
        return RemoteBlob(bytes: bytes, version: SHA256.hash(bytes).hex)
    }

    public func getRange(_ key: String, offset: UInt64, length: Int) throws -> [UInt8] {
        counter.increment()
        guard length >= 0, offset <= UInt64(Int64.max - Int64(length)) else {
            throw RemoteError.transferFailed(url: path(key), detail: "range of \(length) bytes at offset \(offset) lies beyond any file")
        }
        let fd = try openForReading(key)
        defer { fd.close() }
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(fd.rawValue, buffer.baseAddress! + done, length - done, off_t(offset) + off_t(done))  // length > done
            }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else {
                throw RemoteError.transferFailed(url: path(key), detail: "short read: \(done) of \(length) bytes at offset \(offset)")
            }
            done += got
        }
        return bytes
    }

    public func download(_ key: String, to destination: String, limit: UInt64, progress: @escaping TransferProgress) throws {
        counter.increment()
        let source = try openForReading(key)
        defer { source.close() }
        let target = try FileDescriptor.open(destination, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        defer { target.close() }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var copied: UInt64 = 0
        while true {
            let got = try buffer.withUnsafeMutableBytes { try source.read(into: $0.baseAddress!, count: $0.count) }  // 1 MiB buffer
            if got == 0 { break }
            guard UInt64(got) <= limit - copied else { throw RemoteError.oversized(key, url: root, limit: limit) }
            try buffer.withUnsafeBytes { try target.writeAll($0.baseAddress!, count: got) }  // 1 MiB buffer
            copied += UInt64(got)
            progress(UInt64(got))
        }
    }

    public func upload(_ key: String, fromFile source: String, progress: @escaping TransferProgress) throws {
        counter.increment()
        let file = try MappedFile(path: source)
        try write(key, file.bytes)
        progress(UInt64(file.count))
    }

    /// Renames the file into the remote when both are on one file system (no copy: a push to a
    /// directory beside the project writes its packs once), copies it otherwise.
    public func upload(_ key: String, movingFile source: String, progress: @escaping TransferProgress) throws {
        let target = path(key)
        let directory = try parentDirectory(of: target)
        let temporary = temporaryName(for: target)
        guard Glibc.rename(source, temporary) == 0 else {
            // Another file system (EXDEV), or a rename the remote refuses: copy as usual.
            return try upload(key, fromFile: source, progress: progress)
        }
        counter.increment()
        defer { _ = unlink(temporary) }   // after the rename into place it names nothing
        let fd = try FileDescriptor.openForReading(temporary)
        let size: UInt64
        do {
            defer { fd.close() }
            size = UInt64(try fd.status().size)
            try fd.sync()
        }
        try FileSystem.rename(temporary, to: target)
        try FileSystem.syncDirectory(directory)
        progress(size)
    }

    public func put(_ key: String, bytes: [UInt8]) throws {
        counter.increment()
        _ = try bytes.withUnsafeBytes { try write(key, $0) }
    }

    public func putConditionally(_ key: String, bytes: [UInt8], expected: String?) throws -> String? {
        counter.increment()
        // Create-only needs no lock: link(2) of a complete temporary file fails if the key
        // exists, so concurrent writers of different keys (pipeline workers' results) never wait.
        if expected == nil { return try bytes.withUnsafeBytes { try write(key, $0, exclusive: true) } ? SHA256.hash(bytes).hex : nil }
        let lock: FileLock
        do {
            lock = try FileLock(path: path(".lock"), timeout: 600)
        } catch FileLock.Failure.system(let error) {
            throw error
        }
        defer { lock.unlock() }
        let current = FileSystem.exists(path(key)) ? SHA256.hash(try read(key, limit: RemoteIndex.maximumSize)).hex : nil
        guard current == expected else { return nil }
        _ = try bytes.withUnsafeBytes { try write(key, $0) }
        return SHA256.hash(bytes).hex
    }

    public func size(of key: String) throws -> UInt64? {
        counter.increment()
        return try FileSystem.linkStatusIfExists(path(key)).map { UInt64($0.size) }
    }

    private func openForReading(_ key: String) throws -> FileDescriptor {
        do {
            return try FileDescriptor.openForReading(path(key))
        } catch let error as SystemError where error.isNotFound {
            throw RemoteError.transferFailed(url: path(key), detail: "the file is missing")
        }
    }

    /// A whole file, read in steps without trusting its size (it may be a device, or growing).
    /// - Throws: `RemoteError.corruptRemote` when it holds more than `limit` bytes.
    private func read(_ key: String, limit: Int) throws -> [UInt8] {
        let fd = try openForReading(key)
        defer { fd.close() }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = try buffer.withUnsafeMutableBytes { try fd.read(into: $0.baseAddress!, count: $0.count) }  // non-empty buffer
            if got == 0 { break }
            guard got <= limit - bytes.count else { throw RemoteError.oversized(key, url: root, limit: UInt64(limit)) }
            bytes.append(contentsOf: buffer[..<got])
        }
        return bytes
    }

    /// Writes `bytes` at `key` durably (temporary file, fsync, rename or link, directory fsync).
    /// With `exclusive`, an existing key is left alone and false returned.
    @discardableResult
    private func write(_ key: String, _ bytes: UnsafeRawBufferPointer, exclusive: Bool = false) throws -> Bool {
        let target = path(key)
        let directory = try parentDirectory(of: target)
        let temporary = temporaryName(for: target)
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
        defer { _ = unlink(temporary) }   // after a rename it names nothing; after a link, the copy
        do {
            defer { fd.close() }
            if let base = bytes.baseAddress, bytes.count > 0 { try fd.writeAll(base, count: bytes.count) }
            try fd.sync()
        }
        if exclusive {
            if link(temporary, target) != 0 {
                if errno == EEXIST { return false }
                throw SystemError("link", path: target, errno: errno)
            }
        } else {
            try FileSystem.rename(temporary, to: target)
        }
        try FileSystem.syncDirectory(directory)
        return true
    }

    /// The directory that holds `target`, created (durably) if the remote's root exists.
    /// - Throws: `RemoteError.remoteNotFound` when the root is gone.
    private func parentDirectory(of target: String) throws -> String {
        let directory = FileSystem.parentPath(target)
        if !FileSystem.isDirectory(directory) {
            guard FileSystem.isDirectory(root) else { throw RemoteError.remoteNotFound(url: root) }
            try FileSystem.createDirectories(directory, durable: true)
        }
        return directory
    }

    /// A name beside `target` no other writer picks: `KEY.tmp-PID-N` (remote gc finds those an
    /// interrupted write leaves).
    private func temporaryName(for target: String) -> String {
        "\(target).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }
}
