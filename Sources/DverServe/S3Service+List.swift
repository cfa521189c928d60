import DverAccess
import DverCore
import Foundation

extension S3Service {
    /// One listed item with the time of the commit it comes from.
    struct Listed {
        var item: ListPage.Item
        var time: Int64
    }

    /// ListObjectsV2 (`list-type=2`) and ListObjects (v1, `marker`).
    func listObjects(bucket: String, _ request: S3Request) throws -> S3Response {
        let version2 = request.parameter("list-type") == "2"
        var maxKeys = 1000
        if let text = request.parameter("max-keys") {
            guard let value = Int(text), value >= 0 else { throw S3Error.invalidArgument("max-keys must be a number from 0 to 1000") }
            maxKeys = min(value, 1000)
        }
        let urlEncoded = request.parameter("encoding-type") == "url"
        if let encoding = request.parameter("encoding-type"), encoding != "url" {
            throw S3Error.invalidArgument("encoding-type can only be url")
        }
        let prefix = request.parameter("prefix") ?? ""
        let delimiter = request.parameter("delimiter").flatMap { $0.isEmpty ? nil : $0 }
        var startAfter: String?
        var resume: String?
        if version2 {
            startAfter = request.parameter("start-after").flatMap { $0.isEmpty ? nil : $0 }
            if let token = request.parameter("continuation-token") {
                guard let decoded = Self.decodeToken(token) else {
                    throw S3Error.invalidArgument("The continuation token provided is incorrect")
                }
                resume = decoded
            }
        } else {
            resume = request.parameter("marker").flatMap { $0.isEmpty ? nil : $0 }
        }
        let listing = try list(bucket: bucket, ListRequest(prefix: prefix, delimiter: delimiter, startAfter: startAfter,
                                                           resumeAfter: resume, maxKeys: maxKeys))

        func encoded(_ text: String) -> String { urlEncoded ? PercentEncoding.encode(text, keepSlash: true) : text }
        var document = XMLDocument(root: "ListBucketResult")
        document.element("Name", bucket)
        document.element("Prefix", encoded(prefix))
        if let delimiter { document.element("Delimiter", encoded(delimiter)) }
        document.element("MaxKeys", String(maxKeys))
        if urlEncoded { document.element("EncodingType", "url") }
        document.element("IsTruncated", listing.truncated ? "true" : "false")
        let last = listing.items.last?.item.name
        if version2 {
            document.element("KeyCount", String(listing.items.count))
            if let token = request.parameter("continuation-token") { document.element("ContinuationToken", token) }
            if listing.truncated, let last { document.element("NextContinuationToken", Self.encodeToken(last)) }
            if let startAfter { document.element("StartAfter", encoded(startAfter)) }
        } else {
            document.element("Marker", encoded(resume ?? ""))
            if listing.truncated, let last, delimiter != nil { document.element("NextMarker", encoded(last)) }
        }
        for listed in listing.items {
            guard case .object(let key, let entry) = listed.item else { continue }
            document.open("Contents")
            document.element("Key", encoded(key))
            document.element("LastModified", S3Dates.iso8601(nanoseconds: listed.time))
            document.element("ETag", "\"\(entry.id.hex)\"")
            document.element("Size", String(entry.size))
            document.element("StorageClass", "STANDARD")
            document.close("Contents")
        }
        for listed in listing.items {
            guard case .commonPrefix(let name) = listed.item else { continue }
            document.open("CommonPrefixes")
            document.element("Prefix", encoded(name))
            document.close("CommonPrefixes")
        }
        return .xml(document.finish())
    }

    /// The keys of a bucket: inside one revision when the prefix names one (`main/`, `main/data/`,
    /// `3fa9c1d2/`), else across the repo's branches, each branch a top-level "directory".
    /// Symlinks are listed as the files they point to (and left out when they lead nowhere).
    func list(bucket: String, _ request: ListRequest) throws -> (items: [Listed], truncated: Bool) {
        if let (revision, _) = split(bucket: bucket, key: request.prefix) {
            do {
                return try list(try lookup.snapshot(repo: bucket, revision: revision), under: revision + "/", request)
            } catch AccessError.noSuchRevision {
                // Not a revision: the prefix may still match branch names ("feat" of "feature/").
            }
        }
        var items = [Listed]()
        let after = [request.startAfter, request.resumeAfter].compactMap { $0 }.max { $0.precedesInByteOrder($1) } ?? ""
        let branches = try lookup.project.refs.branches(repo: bucket).map { $0 + "/" }.sorted { $0.precedesInByteOrder($1) }
        for base in branches where base.hasPrefix(request.prefix) {
            if !after.isEmpty, base.precedesInByteOrder(after), !after.hasPrefix(base) { continue }
            if let resume = request.resumeAfter, let delimiter = request.delimiter, resume.hasSuffix(delimiter), base.hasPrefix(resume) { continue }
            if let delimiter = request.delimiter,
               let range = base.utf8.dropFirst(request.prefix.utf8.count).firstRange(of: delimiter.utf8) {
                let rolled = String(decoding: base.utf8[..<range.upperBound], as: UTF8.self)
                if items.last?.item.name == rolled { continue }
                guard items.count < request.maxKeys else { return (items, true) }
                items.append(Listed(item: .commonPrefix(rolled), time: 0))
                continue
            }
            guard items.count < request.maxKeys else { return (items, true) }
            var inner = request
            inner.prefix = ""
            inner.maxKeys = request.maxKeys - items.count
            let snapshot = try lookup.snapshot(repo: bucket, revision: String(base.dropLast()))
            let (found, truncated) = try list(snapshot, under: base, inner)
            items += found
            if truncated { return (items, true) }
        }
        return (items, false)
    }

    /// The keys of one snapshot, each prefixed with `base` (`main/`).
    private func list(_ snapshot: Snapshot, under base: String, _ request: ListRequest) throws -> (items: [Listed], truncated: Bool) {
        /// A bound given as a full key, as one inside this snapshot; `.none` when every key of
        /// the snapshot lies after it, nil when none does.
        func inner(_ bound: String?) -> String?? {
            guard let bound else { return .some(nil) }
            if bound.hasPrefix(base) { return .some(String(bound.dropFirst(base.count))) }
            return bound.precedesInByteOrder(base) ? .some(nil) : nil
        }
        guard request.prefix.hasPrefix(base) || base.hasPrefix(request.prefix),
              let startAfter = inner(request.startAfter), let resume = inner(request.resumeAfter) else { return ([], false) }
        let page = try snapshot.list(ListRequest(prefix: request.prefix.hasPrefix(base) ? String(request.prefix.dropFirst(base.count)) : "",
                                                 delimiter: request.delimiter, startAfter: startAfter, resumeAfter: resume,
                                                 maxKeys: request.maxKeys))
        var items = [Listed]()
        for item in page.items {
            switch item {
            case .commonPrefix(let name):
                items.append(Listed(item: .commonPrefix(base + name), time: snapshot.commit.time))
            case .object(let key, let entry):
                var listed = entry
                if entry.kind == .symlink {
                    guard let (_, target) = try snapshot.file(at: key) else { continue }
                    listed = target
                }
                items.append(Listed(item: .object(key: base + key, entry: listed), time: snapshot.commit.time))
            }
        }
        return (items, page.truncated)
    }

    static func encodeToken(_ name: String) -> String {
        Data(("1:" + name).utf8).base64EncodedString()
    }

    static func decodeToken(_ token: String) -> String? {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8), text.hasPrefix("1:") else { return nil }
        return String(text.dropFirst(2))
    }
}
