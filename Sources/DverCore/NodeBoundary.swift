/// The content-defined split rule shared by chunk lists and trees (FORMAT.md, "Node
/// boundaries"): an entry ends its node when a mixed 64-bit hash of its key has its low six
/// bits zero (average fan-out 64), subject to a minimum and maximum number of entries.
public enum NodeBoundary {
    public static let minimumEntries = 4
    public static let maximumEntries = 1024
    public static let mask: UInt64 = 0x3F

    /// 64-bit FNV-1a over `key`.
    public static func fnv1a<C: Sequence>(_ key: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// SplitMix64's finalizer.
    public static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x = (x ^ (x >> 30)) &* 0xbf58_476d_1ce4_e5b9
        x = (x ^ (x >> 27)) &* 0x94d0_49bb_1331_11eb
        return x ^ (x >> 31)
    }

    /// The boundary hash of a key hash at a tree level.
    public static func levelHash(_ keyHash: UInt64, level: Int) -> UInt64 {
        mix(keyHash ^ (UInt64(level) &* 0x9e37_79b9_7f4a_7c15))
    }

    /// Whether the entry with `keyHash`, being the `count`-th entry (1-based) of the node being
    /// filled at `level`, closes that node.
    public static func closesNode(keyHash: UInt64, level: Int, count: Int) -> Bool {
        if count >= maximumEntries { return true }
        if count < minimumEntries { return false }
        return levelHash(keyHash, level: level) & mask == 0
    }

    /// Key hash of an id: its first eight bytes, big-endian.
    public static func keyHash(_ id: ObjectID) -> UInt64 { id.w0 }

    /// Key hash of a name: FNV-1a over its UTF-8 bytes.
    public static func keyHash(_ name: String) -> UInt64 { fnv1a(name.utf8) }

    /// Splits `count` entries into nodes: returns the end index (exclusive) of each node.
    public static func split(count: Int, level: Int, keyHash: (Int) -> UInt64) -> [Int] {
        var ends = [Int]()
        var filled = 0
        for index in 0..<count {
            filled += 1
            if closesNode(keyHash: keyHash(index), level: level, count: filled) {
                ends.append(index + 1)
                filled = 0
            }
        }
        if filled > 0 || ends.isEmpty { ends.append(count) }
        return ends
    }
}
