import DverCore
import DverSystem

/// The stored identity of one file version: what a tree entry says about it, minus the name.
public struct FileRef: Equatable, Hashable, Sendable {
    public var kind: EntryKind
    public var chunked: Bool
    public var size: UInt64
    public var id: ObjectID

    public init(kind: EntryKind, chunked: Bool, size: UInt64, id: ObjectID) {
        self.kind = kind
        self.chunked = chunked
        self.size = size
        self.id = id
    }

    public init(_ entry: TreeEntry) {
        self.init(kind: entry.kind, chunked: entry.chunked, size: entry.size, id: entry.id)
    }

    /// Same bytes and same kind (a mode change is a change).
    public func sameContent(as other: FileRef) -> Bool {
        kind == other.kind && id == other.id
    }

    /// Same content, or both absent.
    public static func same(_ lhs: FileRef?, _ rhs: FileRef?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): return true
        case (let a?, let b?): return a.sameContent(as: b)
        default: return false
        }
    }
}

/// The stat data cached in the workspace index for a file whose content was hashed.
public struct StatCache: Equatable, Sendable {
    public var size: Int64
    public var modificationNanoseconds: Int64
    public var changeNanoseconds: Int64
    public var inode: UInt64
    public var mode: UInt32

    public static let empty = StatCache(size: -1, modificationNanoseconds: 0, changeNanoseconds: 0, inode: 0, mode: 0)

    public init(size: Int64, modificationNanoseconds: Int64, changeNanoseconds: Int64, inode: UInt64, mode: UInt32) {
        self.size = size
        self.modificationNanoseconds = modificationNanoseconds
        self.changeNanoseconds = changeNanoseconds
        self.inode = inode
        self.mode = mode
    }

    public init(_ status: FileStatus) {
        self.init(size: status.size, modificationNanoseconds: status.modificationNanoseconds,
                  changeNanoseconds: status.changeNanoseconds, inode: status.inode, mode: status.mode)
    }

    /// True when `status` shows no change and the cached data is not racily clean: a file whose
    /// mtime is not older than the index itself may have changed within the same timestamp tick,
    /// so it must be re-read (git's racy-clean rule).
    public func matches(_ status: FileStatus, indexTime: Int64) -> Bool {
        size == status.size && modificationNanoseconds == status.modificationNanoseconds
            && changeNanoseconds == status.changeNanoseconds && inode == status.inode && mode == status.mode
            && modificationNanoseconds < indexTime
    }
}
