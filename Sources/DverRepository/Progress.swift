/// Receives progress of long operations and notices; DverCLI draws bars on a terminal.
/// Called from several threads at once.
public protocol ProgressSink: Sendable {
    /// A new phase begins; totals are nil when unknown.
    func start(_ label: String, totalBytes: UInt64?, totalItems: Int?)
    /// A new phase counting items of its own (`itemNoun` plural: "datums"), or nil for the sink's default.
    func start(_ label: String, totalBytes: UInt64?, totalItems: Int?, itemNoun: String?)
    func advance(bytes: UInt64, items: Int)
    func finish()
    /// Something the user should know while waiting (e.g. a lock is held by another process).
    func notice(_ message: String)
}

extension ProgressSink {
    public func start(_ label: String, totalBytes: UInt64?, totalItems: Int?, itemNoun: String?) {
        start(label, totalBytes: totalBytes, totalItems: totalItems)
    }
}

/// Discards all progress.
public struct SilentProgress: ProgressSink {
    public init() {}
    public func start(_ label: String, totalBytes: UInt64?, totalItems: Int?) {}
    public func advance(bytes: UInt64, items: Int) {}
    public func finish() {}
    public func notice(_ message: String) {}
}
