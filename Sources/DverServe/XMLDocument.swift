/// Builds the small XML documents S3 responses are made of, escaping every text.
struct XMLDocument {
    private var buffer: String
    private let root: String

    init(root: String, namespace: String? = "http://s3.amazonaws.com/doc/2006-03-01/") {
        self.root = root
        buffer = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n<\(root)"
        if let namespace { buffer += #" xmlns=""# + namespace + #"""# }
        buffer += ">"
    }

    mutating func element(_ name: String, _ value: String) {
        buffer += "<\(name)>\(Self.escape(value))</\(name)>"
    }

    mutating func text(_ value: String) { buffer += Self.escape(value) }

    mutating func open(_ name: String) { buffer += "<\(name)>" }

    mutating func close(_ name: String) { buffer += "</\(name)>" }

    func finish() -> String { buffer + "</\(root)>" }

    /// Escapes the five XML special characters; characters XML 1.0 cannot hold at all (control
    /// characters other than tab, newline and return) become U+FFFD.
    static func escape(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
