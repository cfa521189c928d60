import DverRemote
import DverSystem

/// A test double around a real transport that fails once a number of uploads or downloads
/// have gone through, like a connection dropping mid-transfer.
final class FailingTransport: RemoteTransport {
    let inner: any RemoteTransport
    private let budget: Locked<(uploads: Int, downloads: Int)>

    init(_ inner: any RemoteTransport, uploads: Int = .max, downloads: Int = .max) {
        self.inner = inner
        budget = Locked((uploads, downloads))
    }

    var displayURL: String { inner.displayURL }
    var requestCount: Int { inner.requestCount }

    private func spend(upload: Bool) throws {
        let allowed = budget.withLock { budget in
            if upload { budget.uploads -= 1; return budget.uploads >= 0 }
            budget.downloads -= 1
            return budget.downloads >= 0
        }
        if !allowed { throw RemoteError.transferFailed(url: inner.displayURL, detail: "connection reset (injected)") }
    }

    func prepare(creating: Bool) throws { try inner.prepare(creating: creating) }
    func get(_ key: String, limit: Int) throws -> RemoteBlob? { try inner.get(key, limit: limit) }
    func getRange(_ key: String, offset: UInt64, length: Int) throws -> [UInt8] {
        try spend(upload: false)
        return try inner.getRange(key, offset: offset, length: length)
    }
    func download(_ key: String, to path: String, limit: UInt64, progress: @escaping TransferProgress) throws {
        try spend(upload: false)
        try inner.download(key, to: path, limit: limit, progress: progress)
    }
    func upload(_ key: String, fromFile path: String, progress: @escaping TransferProgress) throws {
        try spend(upload: true)
        try inner.upload(key, fromFile: path, progress: progress)
    }
    func put(_ key: String, bytes: [UInt8]) throws { try inner.put(key, bytes: bytes) }
    func putConditionally(_ key: String, bytes: [UInt8], expected: String?) throws -> String? {
        try inner.putConditionally(key, bytes: bytes, expected: expected)
    }
    func size(of key: String) throws -> UInt64? { try inner.size(of: key) }
    func list(prefix: String) throws -> [RemoteListing] { try inner.list(prefix: prefix) }
    func delete(_ key: String) throws { try inner.delete(key) }
}
