import DverCore
import Testing

extension ObjectID {
    /// The SHA-256 of `text`: a realistic, reproducible id for fixtures.
    static func of(_ text: String) -> ObjectID { SHA256.hash(text) }

    /// An id whose 32 bytes all equal `byte`, easy to spot in hex dumps.
    static func repeating(_ byte: UInt8) -> ObjectID {
        ObjectID(bytes: [UInt8](repeating: byte, count: 32))!
    }
}

/// Runs a decoder expected to fail and returns its error (recording an issue if it succeeds).
func decodingError<T>(_ body: () throws(CoreError) -> T,
                      sourceLocation: SourceLocation = #_sourceLocation) -> CoreError? {
    do {
        let value = try body()
        Issue.record("decoded unexpectedly: \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

extension CoreError {
    var isMalformed: Bool {
        if case .malformedObject = self { return true }
        return false
    }

    var isInvalidPath: Bool {
        if case .invalidPath = self { return true }
        return false
    }
}

/// Replaces the first occurrence of `pattern` in `bytes` with `replacement`.
func replacingFirst(_ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8]? {
    guard pattern.count <= bytes.count else { return nil }
    for start in 0...(bytes.count - pattern.count) where bytes[start..<start + pattern.count].elementsEqual(pattern) {
        var result = bytes
        result.replaceSubrange(start..<start + pattern.count, with: replacement)
        return result
    }
    return nil
}
