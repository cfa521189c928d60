import Foundation

/// Machine facts.
public enum System {
    /// Cores available to this process (`DVER_THREADS` overrides), read once: loops ask for
    /// it per directory, and building the environment dictionary each time showed in profiles.
    public static let coreCount: Int = threadCap ?? ProcessInfo.processInfo.activeProcessorCount

    /// Threads that read small files, which mostly wait on the disk when the files are not
    /// cached: 16 (as git's index preload uses up to 20), or one per core if there are more;
    /// `DVER_THREADS` caps it as it caps the rest.
    public static let readerCount: Int = threadCap ?? max(16, coreCount)

    private static let threadCap: Int? = {
        guard let text = ProcessInfo.processInfo.environment["DVER_THREADS"], let value = Int(text), value > 0 else { return nil }
        return value
    }()
}
