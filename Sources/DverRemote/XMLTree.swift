/// A reader for the plain XML S3 answers with (`ListBucketResult`): elements, attributes
/// (skipped), text with the predefined and numeric character references, comments, CDATA and
/// the XML declaration. Anything else — a DOCTYPE and so any entity definition, an unknown
/// entity, mismatched or unclosed tags, text that is not UTF-8, nesting deeper than
/// `maximumDepth`, more than `maximumElements` elements — is refused: a server's answer is
/// hostile, and no dver answer needs more. The input is bounded by the caller (a page is read
/// up to a limit), so is the tree.
struct XMLTree: Sendable {
    struct Element: Sendable {
        var name: String
        /// The element's own text (character data directly inside it), references decoded.
        var text = ""
        var children: [Element] = []

        init(name: String) { self.name = name }

        /// The children named `name`.
        func children(named name: String) -> [Element] { children.filter { $0.name == name } }

        /// The text of the only child named `name`; nil when there is none.
        /// - Throws: `XMLTree.Problem` when there are several.
        func value(of name: String) throws(XMLTree.Problem) -> String? {
            let found = children(named: name)
            guard found.count <= 1 else { throw Problem("<\(self.name)> has \(found.count) <\(name)> elements") }
            return found.first?.text
        }
    }

    /// Why a document was refused.
    struct Problem: Error, Sendable, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static let maximumDepth = 16
    /// The most elements a document may have (a page of 1,000 objects has about 10,000), so
    /// a page of tiny empty elements cannot build a tree many times its size.
    static let maximumElements = 100_000

    let root: Element

    /// Parses a whole document.
    /// - Throws: `Problem` saying what is wrong and at which byte offset.
    init(parsing bytes: [UInt8]) throws(Problem) {
        var reader = Reader(bytes: bytes)
        root = try reader.document()
    }

    /// The parser: a position in the bytes and the stack of open elements.
    private struct Reader {
        let bytes: [UInt8]
        var position = 0
        var open: [Element] = []
        var elements = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }   // a UTF-8 byte order mark
        }

        func fail(_ what: String) -> Problem { Problem("\(what) at byte \(position)") }

        mutating func document() throws(Problem) -> Element {
            var root: Element?
            while position < bytes.count {
                if bytes[position] != UInt8(ascii: "<") {
                    let text = try characterData()
                    if !open.isEmpty {
                        open[open.count - 1].text += text
                    } else if !text.utf8.allSatisfy(Self.isSpace) {
                        throw fail("text outside the root element")
                    }
                } else if try skipMarkup() {
                    continue
                } else if starts(with: "</") {
                    let element = try endTag()
                    if open.isEmpty { root = element } else { open[open.count - 1].children.append(element) }
                } else {
                    guard root == nil else { throw fail("a second root element") }
                    if let element = try startTag() {   // self-closing
                        if open.isEmpty { root = element } else { open[open.count - 1].children.append(element) }
                    }
                }
            }
            guard open.isEmpty, let root else { throw fail(open.isEmpty ? "no root element" : "<\(open[open.count - 1].name)> is not closed") }
            return root
        }

        /// Skips a declaration, processing instruction or comment; appends CDATA to the open
        /// element. Returns false when the markup at `position` is a tag.
        mutating func skipMarkup() throws(Problem) -> Bool {
            if starts(with: "<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if starts(with: "<!--") {
                try skip(past: "-->", what: "comment")
            } else if starts(with: "<![CDATA[") {
                guard !open.isEmpty else { throw fail("CDATA outside the root element") }
                let start = position + 9
                try skip(past: "]]>", what: "CDATA section")
                guard let text = String(validating: bytes[start..<(position - 3)], as: UTF8.self) else { throw fail("CDATA that is not UTF-8") }
                open[open.count - 1].text += text
            } else if starts(with: "<!") {
                throw fail("a DOCTYPE or other declaration (not allowed)")
            } else {
                return false
            }
            return true
        }

        /// `<name attributes>` (pushed) or `<name attributes/>` (returned).
        mutating func startTag() throws(Problem) -> Element? {
            position += 1
            elements += 1
            guard elements <= XMLTree.maximumElements else { throw fail("more than \(XMLTree.maximumElements) elements") }
            let name = try tagName()
            var quote: UInt8?
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == UInt8(ascii: "<") {
                    throw fail("'<' inside the tag <\(name)>")
                } else if byte == UInt8(ascii: ">") {
                    if bytes[position - 2] == UInt8(ascii: "/") { return Element(name: name) }
                    guard open.count < XMLTree.maximumDepth else { throw fail("elements nested deeper than \(XMLTree.maximumDepth)") }
                    open.append(Element(name: name))
                    return nil
                }
            }
            throw fail("the tag <\(name)> is not closed")
        }

        /// `</name>`, which must close the innermost open element; returns it.
        mutating func endTag() throws(Problem) -> Element {
            position += 2
            let name = try tagName()
            while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
            guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else { throw fail("a malformed end tag </\(name)>") }
            position += 1
            guard let element = open.popLast(), element.name == name else { throw fail("</\(name)> closes no open element of that name") }
            return element
        }

        /// A tag name: letters, digits, `_`, `-`, `.`, `:`, at most 256 bytes.
        mutating func tagName() throws(Problem) -> String {
            let start = position
            while position < bytes.count, Self.isNameByte(bytes[position]), position - start < 256 { position += 1 }
            guard position > start, position < bytes.count, !Self.isNameByte(bytes[position]) else { throw fail("a bad tag name") }
            return String(decoding: bytes[start..<position], as: UTF8.self)   // ASCII only
        }

        /// Text up to the next `<`, with references decoded.
        mutating func characterData() throws(Problem) -> String {
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "<") { position += 1 }
            guard let raw = String(validating: bytes[start..<position], as: UTF8.self) else { throw fail("text that is not UTF-8") }
            guard raw.utf8.contains(UInt8(ascii: "&")) else { return raw }
            var text = ""
            var rest = Substring(raw)
            while let ampersand = rest.firstIndex(of: "&") {
                text += rest[..<ampersand]
                guard let semicolon = rest[ampersand...].prefix(12).firstIndex(of: ";") else { throw fail("an unterminated reference") }
                text.unicodeScalars.append(try Self.reference(rest[rest.index(after: ampersand)..<semicolon], at: start))
                rest = rest[rest.index(after: semicolon)...]
            }
            return text + rest
        }

        /// The character a reference (`amp`, `#38`, `#x26`) stands for.
        static func reference(_ name: Substring, at offset: Int) throws(Problem) -> Unicode.Scalar {
            switch name {
            case "lt": return "<"
            case "gt": return ">"
            case "amp": return "&"
            case "quot": return "\""
            case "apos": return "'"
            default:
                let number: UInt32?
                if name.hasPrefix("#x") { number = UInt32(name.dropFirst(2), radix: 16) } else if name.hasPrefix("#") {
                    number = UInt32(name.dropFirst(), radix: 10)
                } else {
                    number = nil
                }
                guard let number, number != 0, let scalar = Unicode.Scalar(number) else {
                    throw Problem("the reference '&\(name.prefix(10));' (unknown, or not a character) in text at byte \(offset)")
                }
                return scalar
            }
        }

        mutating func skip(past terminator: String, what: String) throws(Problem) {
            let end = Array(terminator.utf8)
            var index = position
            while index + end.count <= bytes.count {
                if bytes[index..<(index + end.count)].elementsEqual(end) {
                    position = index + end.count
                    return
                }
                index += 1
            }
            throw fail("an unterminated \(what)")
        }

        func starts(with text: String) -> Bool { bytes[position...].starts(with: text.utf8) }

        static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

        static func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
        }
    }
}
