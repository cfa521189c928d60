/// A datum glob such as "/*", "/*/*.csv" or "/(*)-(*).csv", matched against repo paths written
/// with a leading "/". `*` and `?` stay within one path component, `**` crosses components,
/// `[a-z]` and `[!x]` are classes, `\` escapes, and parentheses capture (for join_on).
public struct GlobPattern: Sendable {
    /// Why a pattern does not compile.
    public struct Problem: Error, Sendable { public let reason: String }

    enum Token: Sendable, Equatable {
        case literal(UInt8)
        case star
        case doubleStar
        case any
        case byteClass(negated: Bool, ranges: [ClosedRange<UInt8>])
        case open(Int)
        case close(Int)
    }

    public let text: String
    let tokens: [Token]
    public let groupCount: Int
    /// How deep a match can be (components below the root); nil when `**` allows any depth.
    public let maximumDepth: Int?

    /// - Throws: `GlobPattern.Problem` for patterns not starting with "/", unbalanced groups or classes.
    public init(_ text: String) throws {
        guard text.hasPrefix("/") else { throw Problem(reason: "it must start with '/'") }
        self.text = text
        var tokens = [Token]()
        var bytes = Array(text.utf8)[...]
        var groups = 0
        var openGroups = [Int]()
        while let byte = bytes.popFirst() {
            switch byte {
            case UInt8(ascii: "*"):
                if bytes.first == UInt8(ascii: "*") {
                    bytes = bytes.dropFirst()
                    tokens.append(.doubleStar)
                } else {
                    tokens.append(.star)
                }
            case UInt8(ascii: "?"): tokens.append(.any)
            case UInt8(ascii: "\\"):
                guard let next = bytes.popFirst() else { throw Problem(reason: "it ends with '\\'") }
                tokens.append(.literal(next))
            case UInt8(ascii: "("):
                openGroups.append(groups)
                tokens.append(.open(groups))
                groups += 1
            case UInt8(ascii: ")"):
                guard let group = openGroups.popLast() else { throw Problem(reason: "')' without '('") }
                tokens.append(.close(group))
            case UInt8(ascii: "["):
                tokens.append(try Self.byteClass(&bytes))
            default: tokens.append(.literal(byte))
            }
        }
        guard openGroups.isEmpty else { throw Problem(reason: "'(' without ')'") }
        self.tokens = tokens
        groupCount = groups
        maximumDepth = tokens.contains(.doubleStar) ? nil : text.utf8.filter { $0 == UInt8(ascii: "/") }.count
    }

    private static func byteClass(_ bytes: inout ArraySlice<UInt8>) throws -> Token {
        var negated = false
        if let first = bytes.first, first == UInt8(ascii: "!") || first == UInt8(ascii: "^") {
            negated = true
            bytes = bytes.dropFirst()
        }
        var ranges = [ClosedRange<UInt8>]()
        var first = true
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "]"), !first { return .byteClass(negated: negated, ranges: ranges) }
            first = false
            if bytes.count >= 2, bytes.first == UInt8(ascii: "-"), let upper = bytes.dropFirst().first, upper != UInt8(ascii: "]") {
                guard byte <= upper else { throw Problem(reason: "bad range in '[...]'") }
                ranges.append(byte...upper)
                bytes = bytes.dropFirst(2)
            } else {
                ranges.append(byte...byte)
            }
        }
        throw Problem(reason: "'[' without ']'")
    }

    /// The captured groups when `path` (with a leading "/") matches the whole pattern.
    public func match(_ path: String) -> [String]? {
        let subject = Array(path.utf8)
        var captures = [(start: Int, end: Int)](repeating: (0, 0), count: groupCount)
        guard matches(token: 0, at: 0, subject, &captures) else { return nil }
        return captures.map { String(decoding: subject[$0.start..<$0.end], as: UTF8.self) }
    }

    private func matches(token: Int, at position: Int, _ subject: [UInt8], _ captures: inout [(start: Int, end: Int)]) -> Bool {
        guard token < tokens.count else { return position == subject.count }
        switch tokens[token] {
        case .literal(let byte):
            return position < subject.count && subject[position] == byte && matches(token: token + 1, at: position + 1, subject, &captures)
        case .any:
            return position < subject.count && subject[position] != UInt8(ascii: "/")
                && matches(token: token + 1, at: position + 1, subject, &captures)
        case .byteClass(let negated, let ranges):
            guard position < subject.count, subject[position] != UInt8(ascii: "/") else { return false }
            let inside = ranges.contains { $0.contains(subject[position]) }
            return inside != negated && matches(token: token + 1, at: position + 1, subject, &captures)
        case .open(let group):
            let saved = captures[group]
            captures[group].start = position
            if matches(token: token + 1, at: position, subject, &captures) { return true }
            captures[group] = saved
            return false
        case .close(let group):
            let saved = captures[group]
            captures[group].end = position
            if matches(token: token + 1, at: position, subject, &captures) { return true }
            captures[group] = saved
            return false
        case .star, .doubleStar:
            let crossesSlash = tokens[token] == .doubleStar
            var end = position
            while true {
                if matches(token: token + 1, at: end, subject, &captures) { return true }
                guard end < subject.count, crossesSlash || subject[end] != UInt8(ascii: "/") else { return false }
                end += 1
            }
        }
    }
}
