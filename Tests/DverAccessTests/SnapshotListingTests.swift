import DverAccess
import DverCore
import Foundation
import Testing

/// S3 ListObjectsV2 semantics over trees, checked against a model that sorts every key.
@Suite("Access: listings in S3 order")
struct SnapshotListingTests {
    /// Names chosen so that tree order and key order differ ("a" the directory sorts after
    /// "a.txt" and before "a0"), with nesting, Unicode and a directory of many files.
    static let paths: [String] = {
        var paths = ["a.txt", "a/b.txt", "a/c/d.txt", "a0", "a-b/x", "b", "é/ü.csv", "z/z/z/z.bin", "a/c.txt", "a/c/e/f.txt"]
        for index in 0..<240 { paths.append("many/file-\(index).csv") }
        for index in 0..<30 { paths.append("deep/\(index % 3)/\(index % 5)/f\(index)") }
        return paths
    }()

    static let fixture: AccessFixture = {
        try! AccessFixture(Dictionary(uniqueKeysWithValues: paths.map { ($0, Array("\($0)\n".utf8)) }))
    }()

    /// The model: every key sorted by bytes, filtered and rolled up as S3 does.
    static func model(_ request: ListRequest) -> [String] {
        let sorted = paths.sorted { $0.precedesInByteOrder($1) }
        let after = [request.startAfter, request.resumeAfter].compactMap { $0 }.max { $0.precedesInByteOrder($1) } ?? ""
        var result = [String]()
        for key in sorted where key.hasPrefix(request.prefix) {
            var item = key
            if let delimiter = request.delimiter, let range = key.dropFirst(request.prefix.count).range(of: delimiter) {
                item = String(key[..<range.upperBound])
            }
            if let resume = request.resumeAfter, let delimiter = request.delimiter, resume.hasSuffix(delimiter), key.hasPrefix(resume) { continue }
            if item == key, !after.isEmpty, !after.precedesInByteOrder(key) { continue }
            if item != key, !after.isEmpty, !after.precedesInByteOrder(key) { continue }
            if result.last != item { result.append(item) }
        }
        return result
    }

    /// Every page of a listing, resumed as a client resumes with continuation tokens.
    static func all(_ request: ListRequest, pageSize: Int) throws -> [String] {
        let snapshot = try fixture.lookup.snapshot(repo: "raw", revision: "main")
        var names = [String]()
        var request = request
        request.maxKeys = pageSize
        for _ in 0..<10_000 {
            let page = try snapshot.list(request)
            names += page.items.map(\.name)
            #expect(page.items.count <= pageSize)
            guard page.truncated else { return names }
            #expect(page.items.count == pageSize)
            request.resumeAfter = page.items.last?.name
        }
        Issue.record("the listing never ended")
        return names
    }

    @Test("prefixes, delimiters and page sizes give the model's keys and common prefixes, in byte order",
          arguments: ["", "a", "a/", "a/c", "many/file-1", "deep/", "é", "zz", "a.txt"])
    func listings(prefix: String) throws {
        for delimiter in [nil, "/", "-", "c/"] as [String?] {
            for pageSize in [1, 7, 1000] {
                let request = ListRequest(prefix: prefix, delimiter: delimiter)
                #expect(try Self.all(request, pageSize: pageSize) == Self.model(request), "prefix '\(prefix)' delimiter \(delimiter ?? "none") page \(pageSize)")
            }
        }
    }

    @Test("start-after skips keys up to and including it")
    func startAfter() throws {
        for after in ["a", "a/", "a/c/d.txt", "many/file-5", "zzz", ""] {
            for delimiter in [nil, "/"] as [String?] {
                let request = ListRequest(delimiter: delimiter, startAfter: after)
                #expect(try Self.all(request, pageSize: 5) == Self.model(request), "after '\(after)' delimiter \(delimiter ?? "none")")
            }
        }
    }

    @Test("objects carry their tree entries; directories are never listed as objects")
    func entries() throws {
        let snapshot = try Self.fixture.lookup.snapshot(repo: "raw", revision: "main")
        let page = try snapshot.list(ListRequest(prefix: "a/"))
        for item in page.items {
            guard case .object(let key, let entry) = item else { Issue.record("no common prefixes without a delimiter"); continue }
            #expect(entry.kind == .file && entry.size == UInt64(key.utf8.count + 1))
        }
        #expect(page.items.count == 4)
    }
}
