#if canImport(Glibc)
import Glibc
#endif

/// File names as the kernel hands them over: bytes, which need not be UTF-8.
public enum FileName {
    /// The name as a `String` when its bytes are valid UTF-8; nil otherwise.
    public static func decode(_ bytes: some Collection<UInt8>) -> String? {
        String(validating: bytes, as: UTF8.self)
    }

    /// Whether two names are spelled with the same bytes (`==` on `String` also equates
    /// canonically equivalent spellings, which are different files).
    public static func sameBytes(_ first: String, _ second: String) -> Bool {
        var first = first, second = second
        return first.withUTF8 { one in
            second.withUTF8 { other in
                one.count == other.count && (one.count == 0 || memcmp(one.baseAddress!, other.baseAddress!, one.count) == 0)  // both non-empty
            }
        }
    }

    /// A printable spelling of any name: valid UTF-8 runs as they are, every byte that is not
    /// part of a valid sequence as `\xNN` (e.g. `caf\xe9.csv` for Latin-1 `café.csv`), and a
    /// backslash as `\\`. Used in messages about names dver cannot store.
    public static func escaped(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var result = ""
        var position = 0
        while position < bytes.count {
            let lead = bytes[position]
            let length = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 0
            if length > 0, position + length <= bytes.count,
               let text = String(validating: bytes[position..<position + length], as: UTF8.self) {
                result += text == "\\" ? "\\\\" : text
                position += length
            } else {
                result += "\\x" + String(lead, radix: 16, uppercase: false).leftPadded(to: 2)
                position += 1
            }
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
