/// A path pattern in gitignore syntax, matched against `/`-separated relative paths: used by
/// `.dverignore` files and by `dver merge --ours/--theirs PATTERN`.
///
/// - `*` matches within one path component, `?` one character, `[a-z]`/`[!a-z]` a class,
///   `\` escapes the next character;
/// - `**` as a whole component matches any number of components (`**/x`, `a/**`, `a/**/b`);
/// - a pattern with a `/` other than a trailing one is anchored at the base directory (a
///   leading `/` only anchors); one without matches the last component at any depth;
/// - a trailing `/` matches directories only; a leading `!` negates (re-includes).
public struct PathPattern: Sendable, Equatable {
    public let text: String
    public let negated: Bool
    public let directoryOnly: Bool
    let anchored: Bool
    let components: [Substring]
    /// `components` as scalars, made once: matching is on the path of every untracked file.
    let scalars: [[Unicode.Scalar]]

    /// - Returns: nil for a blank line or a comment (`#…`; `\#` for a literal `#`).
    public init?(_ line: String) {
        var pattern = Substring(line)
        // Trailing spaces are dropped unless escaped, as git does.
        while pattern.hasSuffix(" "), !pattern.hasSuffix("\\ ") { pattern = pattern.dropLast() }
        if pattern.hasSuffix("\r") { pattern = pattern.dropLast() }
        guard !pattern.isEmpty, !pattern.hasPrefix("#") else { return nil }
        text = line
        negated = pattern.hasPrefix("!")
        if negated { pattern = pattern.dropFirst() }
        if pattern.hasPrefix("\\!") || pattern.hasPrefix("\\#") { pattern = pattern.dropFirst() }
        directoryOnly = pattern.hasSuffix("/")
        while pattern.hasSuffix("/") { pattern = pattern.dropLast() }
        guard !pattern.isEmpty else { return nil }
        anchored = pattern.dropLast().contains("/") || pattern.hasPrefix("/")
        while pattern.hasPrefix("/") { pattern = pattern.dropFirst() }
        components = pattern.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty else { return nil }
        scalars = components.map { Array($0.unicodeScalars) }
    }

    /// Whether `path` (relative to the pattern's base, no leading `/`) matches; `isDirectory`
    /// says what the path names. The negation flag is not applied here.
    public func matches(_ path: String, isDirectory: Bool) -> Bool {
        if directoryOnly, !isDirectory { return false }
        if !anchored {
            // One component (a pattern without `/`), matched against the path's last.
            guard let last = Self.lastComponent(path) else { return false }
            return Self.match(scalars[...], [last][...])
        }
        return Self.match(scalars[...], path.split(separator: "/", omittingEmptySubsequences: true)[...])
    }

    /// Whether `path` or one of its directories matches: what an ignore rule applied while
    /// walking would have excluded.
    public func matchesPathOrParent(_ path: String, isDirectory: Bool) -> Bool {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if matches(path, isDirectory: isDirectory) { return true }
        while parts.count > 1 {
            parts.removeLast()
            if matches(parts.joined(separator: "/"), isDirectory: true) { return true }
        }
        return false
    }

    /// The last non-empty component of a path, found without splitting the whole path.
    static func lastComponent(_ path: String) -> Substring? {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path.isEmpty ? nil : path[...] }
        let last = path[path.utf8.index(after: slash)...]
        return last.isEmpty ? path.split(separator: "/", omittingEmptySubsequences: true).last : last
    }

    private static let doubleStar: [Unicode.Scalar] = ["*", "*"]

    private static func match(_ pattern: ArraySlice<[Unicode.Scalar]>, _ path: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == doubleStar {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return !path.isEmpty }  // `a/**`: everything inside a
            var remaining = path
            while true {
                if match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        }
        guard let component = path.first, matchComponent(first[...], component.unicodeScalars) else {
            return false
        }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// fnmatch for one component: `*`, `?`, `[…]`, `\`.
    static func matchComponent<Name: Collection<Unicode.Scalar>>(_ pattern: ArraySlice<Unicode.Scalar>, _ name: Name) -> Bool {
        var p = pattern.startIndex, n = name.startIndex
        var starP: Int?, starN = name.startIndex
        while n < name.endIndex {
            if p < pattern.endIndex {
                let c = pattern[p]
                if c == "*" {
                    starP = p
                    starN = n
                    p += 1
                    continue
                }
                if c == "?" {
                    p += 1
                    n = name.index(after: n)
                    continue
                }
                if c == "[", let (matched, next) = matchClass(pattern, from: p, name[n]) {
                    if matched {
                        p = next
                        n = name.index(after: n)
                        continue
                    }
                } else {
                    var literal = c
                    var next = p + 1
                    if c == "\\", next < pattern.endIndex {
                        literal = pattern[next]
                        next += 1
                    }
                    if literal == name[n] {
                        p = next
                        n = name.index(after: n)
                        continue
                    }
                }
            }
            guard let star = starP else { return false }
            p = star + 1
            starN = name.index(after: starN)
            n = starN
        }
        while p < pattern.endIndex, pattern[p] == "*" { p += 1 }
        return p == pattern.endIndex
    }

    /// A `[…]` class at `start`: whether `character` is in it, and the index after it; nil when
    /// the bracket does not close (then it is a literal `[`).
    private static func matchClass(_ pattern: ArraySlice<Unicode.Scalar>, from start: Int, _ character: Unicode.Scalar) -> (Bool, Int)? {
        var index = start + 1
        var negate = false
        if index < pattern.endIndex, pattern[index] == "!" || pattern[index] == "^" {
            negate = true
            index += 1
        }
        var matched = false
        var first = true
        while index < pattern.endIndex {
            let c = pattern[index]
            if c == "]", !first { return (matched != negate, index + 1) }
            first = false
            if index + 2 < pattern.endIndex, pattern[index + 1] == "-", pattern[index + 2] != "]" {
                if c.value <= character.value, character.value <= pattern[index + 2].value { matched = true }
                index += 3
            } else {
                if c == character { matched = true }
                index += 1
            }
        }
        return nil
    }
}

/// An ordered list of patterns where the last match decides (gitignore's rule).
public struct PathPatternList: Sendable, Equatable {
    public var patterns: [PathPattern]

    public init(_ patterns: [PathPattern] = []) { self.patterns = patterns }

    /// The patterns of a file's lines.
    public init(text: String) {
        patterns = text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { PathPattern(String($0)) }
    }

    /// true: excluded; false: re-included by a negation; nil: no pattern matches.
    public func decision(_ path: String, isDirectory: Bool) -> Bool? {
        for pattern in patterns.reversed() where pattern.matches(path, isDirectory: isDirectory) { return !pattern.negated }
        return nil
    }
}
