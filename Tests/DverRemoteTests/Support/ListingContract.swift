import DverRemote
import DverSystem
import Foundation
import Testing

/// What every transport's `list` and `delete` must do, checked against a real transport (a
/// directory, SeaweedFS): a few named objects and `many` small ones under `many/` (more than a
/// page of ListObjectsV2), listed with and without prefixes, then deleted.
enum ListingContract {
    /// The objects written besides those under `many/`, with their sizes.
    static let named: [String: Int] = [
        "index.json": 17, "packs/pack-a.pack": 100, "packs/pack-a.idx": 60, "pipelines/spec.json": 5,
    ]

    static func manyKey(_ number: Int) -> String { "many/k-\(String(number).leftPadded(to: 5))" }

    /// Writes the objects (8 at a time) and returns the time just before.
    static func populate(_ transport: any RemoteTransport, many: Int) throws -> Date {
        let start = Date()
        for (key, size) in named.sorted(by: { $0.key < $1.key }) { try transport.put(key, bytes: [UInt8](repeating: 0x61, count: size)) }
        try ParallelWork.run(many, workers: 8) { number in try transport.put(manyKey(number), bytes: [UInt8(number % 251)]) }
        return start
    }

    /// Lists, checks, deletes and lists again.
    static func check(_ transport: any RemoteTransport, many: Int, started: Date,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let manyKeys = (0..<many).map(manyKey)
        let everything = try transport.list(prefix: "")
        #expect(everything.map(\.key) == (Array(named.keys) + manyKeys).sorted(), sourceLocation: sourceLocation)

        let packs = try transport.list(prefix: "packs/")
        #expect(packs.map(\.key) == ["packs/pack-a.idx", "packs/pack-a.pack"], sourceLocation: sourceLocation)
        #expect(packs.map(\.size) == [60, 100], sourceLocation: sourceLocation)
        // S3 keeps whole seconds; clocks of a local server agree within a few seconds.
        for listing in everything {
            #expect(listing.modified > started.addingTimeInterval(-5) && listing.modified < Date().addingTimeInterval(5),
                    "\(listing.key) modified \(listing.modified)", sourceLocation: sourceLocation)
        }
        #expect(try transport.list(prefix: "packs/pack-a.i").map(\.key) == ["packs/pack-a.idx"], sourceLocation: sourceLocation)
        #expect(try transport.list(prefix: "pack").map(\.key) == ["packs/pack-a.idx", "packs/pack-a.pack"], sourceLocation: sourceLocation)
        #expect(try transport.list(prefix: "nothing/").isEmpty, sourceLocation: sourceLocation)
        let listedMany = try transport.list(prefix: "many/")
        #expect(listedMany.map(\.key) == manyKeys, sourceLocation: sourceLocation)
        #expect(listedMany.allSatisfy { $0.size == 1 }, sourceLocation: sourceLocation)

        try transport.delete("packs/pack-a.pack")
        try transport.delete("packs/pack-a.pack")          // again: already gone, not an error
        try transport.delete("never/written.json")
        #expect(try transport.list(prefix: "packs/").map(\.key) == ["packs/pack-a.idx"], sourceLocation: sourceLocation)
        #expect(try transport.get("packs/pack-a.pack", limit: 1000) == nil, sourceLocation: sourceLocation)
        try transport.delete(manyKey(0))
        #expect(try transport.list(prefix: "many/").map(\.key) == Array(manyKeys.dropFirst()), sourceLocation: sourceLocation)
    }

    /// Keys and prefixes that are not plain relative paths are refused before any request.
    static func checkRefusals(_ transport: any RemoteTransport, sourceLocation: SourceLocation = #_sourceLocation) {
        for key in ["../x", "packs/../../x", "/etc/passwd", "packs//x", "", "a\u{0}b", "packs/."] {
            expectError({ try transport.delete(key) }, sourceLocation: sourceLocation) { error in
                if case RemoteError.invalidKey = error { return true }
                return false
            }
        }
        for prefix in ["../", "/", "packs/../", "a\nb"] {
            expectError({ try transport.list(prefix: prefix) }, sourceLocation: sourceLocation) { error in
                if case RemoteError.invalidKey = error { return true }
                return false
            }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
