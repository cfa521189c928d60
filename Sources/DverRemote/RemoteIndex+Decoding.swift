/// Decoding errors of `index.json` made into messages that name the field and the value, so
/// "packs[2].pack_size -1 is not an integer from 32 to 4294967296" rather than a generic parse
/// failure.

extension KeyedDecodingContainer {
    /// An integer field in `range`. Anything else (negative, too large, fractional, a string)
    /// is refused with the field and the value as written, not as a generic parse failure.
    func decodeInteger(_ key: Key, in range: ClosedRange<Int64>) throws -> Int64 {
        if let value = try? decode(Int64.self, forKey: key) {
            guard range.contains(value) else { throw outOfRange(key, "\(value)", range) }
            return value
        }
        let text: String
        if let value = try? decode(UInt64.self, forKey: key) {
            text = "\(value)"
        } else if let value = try? decode(Double.self, forKey: key) {
            text = "\(value)"
        } else if let value = try? decode(String.self, forKey: key) {
            text = value.quotedForMessage
        } else {
            _ = try decode(Int64.self, forKey: key)   // rethrows the decoder's own error (missing key, null, ...)
            text = "?"
        }
        throw outOfRange(key, text, range)
    }

    private func outOfRange(_ key: Key, _ text: String, _ range: ClosedRange<Int64>) -> DecodingError {
        let upper = range.upperBound == Int64.max ? "2^63-1" : "\(range.upperBound)"
        return DecodingError.dataCorrupted(DecodingError.Context(
            codingPath: codingPath + [key],
            debugDescription: "\(text) is not an integer from \(range.lowerBound) to \(upper)"))
    }
}

/// Turns the decoder's errors into one line: the field path (`packs[2].pack_size`) and why.
enum RemoteIndexProblem {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)) \(context.debugDescription.printableForMessage)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) is not of type \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null, expected \(type)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let position = key.intValue { text += "[\(position)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue.quotedIfNeeded }
        }
        return text.isEmpty ? "the top level" : text
    }
}
