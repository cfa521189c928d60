import DverSystem

/// Paths inside `.dver/` (docs/FORMAT.md, "Store layout").
public struct StoreLayout: Sendable {
    public static let directoryName = ".dver"
    public static let formatVersion = 1

    /// The project root: the directory holding `.dver/`.
    public let root: String

    public init(root: String) { self.root = root }

    public var storeDirectory: String { "\(root)/\(Self.directoryName)" }
    public var formatFile: String { "\(storeDirectory)/format" }
    public var configFile: String { "\(storeDirectory)/config.json" }
    public var reposFile: String { "\(storeDirectory)/repos.json" }
    public var packsDirectory: String { "\(storeDirectory)/packs" }
    public var refsDirectory: String { "\(storeDirectory)/refs" }
    public var commitSetsDirectory: String { "\(storeDirectory)/sets" }
    public var locksDirectory: String { "\(storeDirectory)/locks" }
    public var temporaryDirectory: String { "\(storeDirectory)/tmp" }
    public var workspaceIndexFile: String { "\(storeDirectory)/index" }

    /// Creates the store directories and format file (callers check that none exists);
    /// `durable: false` only for disposable stores (staging, cluster workers' scratch stores).
    /// - Throws: `StoreError`.
    public func create(durable: Bool = true) throws {
        try FileSystem.createDirectories(storeDirectory, durable: durable)
        for directory in [packsDirectory, refsDirectory, commitSetsDirectory, locksDirectory, temporaryDirectory] {
            try FileSystem.createDirectories(directory, durable: durable)
        }
        try FileSystem.writeAtomically(formatFile, text: "dver store format \(Self.formatVersion)\n", durable: durable)
    }

    /// Checks that the store exists and was written by a format this dver reads.
    /// - Throws: `StoreError.notAStore` or `.newerFormat`.
    public func validate() throws {
        guard let text = try? FileSystem.readText(formatFile) else { throw StoreError.notAStore(path: root) }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count == 4, words[0] == "dver", let version = Int(words[3]) else {
            throw StoreError.corruptFile(path: formatFile, reason: "expected 'dver store format N'")
        }
        if version > Self.formatVersion {
            throw StoreError.newerFormat(path: storeDirectory, version: version, supported: Self.formatVersion)
        }
    }

    /// Walks up from `directory` to the nearest directory holding `.dver/`.
    public static func discover(from directory: String) -> StoreLayout? {
        var current = directory
        while true {
            if FileSystem.isDirectory("\(current)/\(directoryName)") { return StoreLayout(root: current) }
            let parent = FileSystem.parentPath(current)
            if parent.isEmpty || parent == current { return nil }
            current = parent
        }
    }
}
