/// What an object in a pack holds. Stored in pack records and index entries.
public enum ObjectKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Raw file bytes; id = SHA-256 of the bytes.
    case chunk = 1
    /// A node of a file's chunk list (`DVCL`).
    case chunkList = 2
    /// A node of a directory tree (`DVTR`).
    case tree = 3
    /// A commit (`DVCM`).
    case commit = 4

    public var description: String {
        switch self {
        case .chunk: "chunk"
        case .chunkList: "chunklist"
        case .tree: "tree"
        case .commit: "commit"
        }
    }
}
