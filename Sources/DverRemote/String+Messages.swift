/// How text from a remote appears in messages: names quoted and escaped, so a hostile name
/// (a NUL, a terminal escape sequence, a megabyte of text) prints as something harmless.

extension String {
    /// 64 lowercase hex digits.
    var isObjectHex: Bool {
        utf8.count == 64 && utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The string in single quotes for a message, control characters, quotes, backslashes
    /// and non-ASCII bytes escaped (`\x00`), cut after 100 bytes: a name from a remote may
    /// hold anything, including terminal escape sequences.
    var quotedForMessage: String { "'" + escapedForMessage + "'" }

    /// As `quotedForMessage`, without quotes when the string is plain (letters, digits, `_-.`).
    var quotedIfNeeded: String {
        let plain = !isEmpty && utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        return plain ? self : quotedForMessage
    }

    /// Text from a remote (a server's error message) made safe to print: control characters
    /// and non-ASCII bytes escaped, cut after 300 bytes.
    var printableForMessage: String { escaped(limit: 300, quotes: false) }

    private var escapedForMessage: String { escaped(limit: 100, quotes: true) }

    /// Bytes that may not be UTF-8 (a file name), quoted and escaped as `quotedForMessage`.
    static func quotedForMessage(bytes: [UInt8]) -> String {
        "'" + escaped(bytes, limit: 100, quotes: true) + "'"
    }

    private func escaped(limit: Int, quotes: Bool) -> String { Self.escaped(Array(utf8), limit: limit, quotes: quotes) }

    private static func escaped(_ bytes: [UInt8], limit: Int, quotes: Bool) -> String {
        var text = ""
        for byte in bytes.prefix(limit) {
            switch byte {
            case UInt8(ascii: "'") where quotes: text += "\\'"
            case UInt8(ascii: "\\") where quotes: text += "\\\\"
            case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += (byte < 0x10 ? "\\x0" : "\\x") + String(byte, radix: 16)
            }
        }
        return bytes.count > limit ? text + "…" : text
    }
}
