import Foundation

/// One page of a ListObjectsV2 answer (`<ListBucketResult>`), read with `XMLTree` and checked:
/// every `<Contents>` has one `<Key>`, a `<Size>` that is a decimal integer of at most S3's
/// largest object (5 TiB) and a `<LastModified>` timestamp; `<IsTruncated>` is `true` or
/// `false`, and a truncated page names its `<NextContinuationToken>`. Keys are returned as the
/// server wrote them (full keys, with the remote's prefix): `S3Transport.list` checks them.
struct S3ListingPage: Sendable {
    struct Object: Sendable {
        var key: String
        var size: UInt64
        var modified: Date
    }

    /// S3's largest object: 5 TiB.
    static let maximumObjectSize: UInt64 = 5 << 40
    /// The longest continuation token taken (S3's are about 100 bytes).
    static let maximumTokenLength = 4096

    var objects: [Object] = []
    /// The token for the next page; nil on the last page.
    var nextToken: String?

    /// - Throws: `XMLTree.Problem` naming what is missing or malformed.
    init(parsing bytes: [UInt8]) throws(XMLTree.Problem) {
        let root = try XMLTree(parsing: bytes).root
        guard root.name == "ListBucketResult" else { throw XMLTree.Problem("the answer is a <\(root.name.prefix(40))>, not a <ListBucketResult>") }
        switch try root.value(of: "IsTruncated") {
        case "false"?: nextToken = nil
        case "true"?:
            guard let token = try root.value(of: "NextContinuationToken"), !token.isEmpty,
                  token.utf8.count <= Self.maximumTokenLength else {
                throw XMLTree.Problem("a truncated page without a usable <NextContinuationToken>")
            }
            nextToken = token
        default:
            throw XMLTree.Problem("<IsTruncated> is missing or neither true nor false")
        }
        for (position, contents) in root.children(named: "Contents").enumerated() {
            objects.append(try Self.object(contents, position: position))
        }
    }

    private static func object(_ contents: XMLTree.Element, position: Int) throws(XMLTree.Problem) -> Object {
        func refuse(_ what: String) -> XMLTree.Problem { XMLTree.Problem("<Contents> \(position + 1) \(what)") }
        guard let key = try contents.value(of: "Key") else { throw refuse("has no <Key>") }
        guard let sizeText = try contents.value(of: "Size"), !sizeText.isEmpty, sizeText.utf8.count <= 20,
              sizeText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let size = UInt64(sizeText), size <= maximumObjectSize else {
            let shown = (try? contents.value(of: "Size")).flatMap { $0 }.map(\.quotedForMessage) ?? "missing"
            throw refuse("(key \(key.quotedForMessage)): <Size> \(shown) is not an integer from 0 to \(maximumObjectSize)")
        }
        guard let text = try contents.value(of: "LastModified"), let modified = timestamp(text) else {
            throw refuse("(key \(key.quotedForMessage)): <LastModified> is missing or not a timestamp (YYYY-MM-DDThh:mm:ss[.fff]Z)")
        }
        return Object(key: key, size: size, modified: modified)
    }

    /// An ISO 8601 UTC timestamp as S3 writes it, `2026-11-23T10:15:30.000Z` (the fraction
    /// optional), for the years 1970 to 9999; nil for anything else.
    static func timestamp(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 30, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue }),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
              hour < 24, minute < 60, second <= 60 else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count > 21, let digits = number(20..<(bytes.count - 1)) else { return nil }
            fraction = Double(digits) / pow(10, Double(bytes.count - 21))
        } else if bytes[19] != UInt8(ascii: "Z") {
            return nil
        }
        let seconds = daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's
    /// `days_from_civil`).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = shifted / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
