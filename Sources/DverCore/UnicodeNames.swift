/// dver compares names as bytes, but Swift's `String` equality (and so every dictionary and set
/// keyed by a path) follows Unicode canonical equivalence: `café` spelled with U+00E9 and with
/// `e` + U+0301 are equal strings. Two such names in one directory would be conflated, so dver
/// refuses them: `add` names both paths, and a tree holding both is malformed (FORMAT.md,
/// "Names"). A single name is stored exactly as its bytes, whichever form it uses.
public enum UnicodeNames {
    /// Two names among `names` that are different bytes but canonically equivalent, or nil.
    /// ASCII names are compared by a fast path (the only non-ASCII names equivalent to ASCII
    /// ones, such as the Kelvin sign U+212A and `K`, are caught because the set holds both).
    public static func equivalentPair<C: Collection>(_ names: C) -> (String, String)? where C.Element == String {
        if names.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) { return nil }
        let all = names
        var seen = [String: String]()
        for name in all {
            if let earlier = seen[name], !earlier.utf8.elementsEqual(name.utf8) { return (earlier, name) }
            seen[name] = name
        }
        return nil
    }
}
