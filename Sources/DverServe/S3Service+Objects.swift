import DverAccess
import DverCore
import Foundation

extension S3Service {
    /// GetObject and HeadObject: the file at `<revision>/<path>`, symlinks followed within the
    /// repo, with ETag = the file's id, Last-Modified = the commit's time, a single byte range,
    /// and If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since.
    func object(bucket: String, key: String, _ request: S3Request) throws -> S3Response {
        guard let (revision, path) = split(bucket: bucket, key: key), !path.isEmpty else {
            try lookup.requireRepo(bucket)
            throw S3Error.noSuchKey(key, "keys are <revision>/<path>, for example main/\(key.isEmpty ? "file.csv" : key)")
        }
        let snapshot: Snapshot
        do {
            snapshot = try lookup.snapshot(repo: bucket, revision: revision)
        } catch AccessError.noSuchRevision(_, _, let reason) {
            throw S3Error.noSuchKey(key, "no revision '\(revision)' in repo '\(bucket)': \(reason)")
        }
        guard let (_, entry) = try snapshot.file(at: path) else {
            throw S3Error.noSuchKey(key, "no file '\(path)' in \(bucket)@\(snapshot.commitID.shortHex())")
        }
        let etag = "\"\(entry.id.hex)\""
        let modified = S3Dates.date(snapshot.commit.time)
        var headers = [("ETag", etag), ("Last-Modified", S3Dates.http(modified)), ("Accept-Ranges", "bytes"),
                       ("Content-Type", "application/octet-stream"), ("x-amz-meta-dver-commit", snapshot.commitID.hex)]
        if let failure = Self.preconditionFailure(request, etag: etag, modified: modified) {
            if failure == 304 { return S3Response(status: 304, headers: headers.filter { $0.0 != "Content-Type" }) }
            throw S3Error(code: "PreconditionFailed", status: 412, message: "the object's ETag or date does not meet the request's condition", resource: key)
        }
        let content = snapshot.content(of: entry)
        var status = 200
        var range = 0..<entry.size
        if let header = request.header("range"), let requested = try Self.range(header, size: entry.size) {
            range = requested
            status = 206
            headers.append(("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(entry.size)"))
        }
        if request.method == "HEAD" {
            return S3Response(status: status, headers: headers, body: .none, contentLength: UInt64(range.count))
        }
        return S3Response(status: status, headers: headers, body: .file(content, range))
    }

    /// 304 (not modified) or 412 (precondition failed) when the conditional headers say so,
    /// with S3's precedence: If-Match before If-Unmodified-Since, If-None-Match before
    /// If-Modified-Since.
    static func preconditionFailure(_ request: S3Request, etag: String, modified: Date) -> Int? {
        func matches(_ list: String) -> Bool {
            list.split(separator: ",").contains { tag in
                let trimmed = tag.trimmingCharacters(in: .whitespaces)
                return trimmed == "*" || trimmed == etag || trimmed == etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    || trimmed == "W/" + etag
            }
        }
        if let ifMatch = request.header("if-match") {
            if !matches(ifMatch) { return 412 }
        } else if let text = request.header("if-unmodified-since"), let date = S3Dates.parseHTTP(text), modified > date {
            return 412
        }
        if let ifNoneMatch = request.header("if-none-match") {
            if matches(ifNoneMatch) { return 304 }
        } else if let text = request.header("if-modified-since"), let date = S3Dates.parseHTTP(text), modified <= date {
            return 304
        }
        return nil
    }

    /// A single `bytes=` range within a file of `size` bytes. Nil (the whole file) for a header
    /// S3 would ignore: another unit, several ranges, or bad syntax.
    /// - Throws: InvalidRange (416) when the range starts at or past the end.
    static func range(_ header: String, size: UInt64) throws -> Range<UInt64>? {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("bytes="), !text.contains(",") else { return nil }
        let spec = text.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let unsatisfiable = S3Error(code: "InvalidRange", status: 416, message: "the requested range is not satisfiable: the object holds \(size) bytes",
                                    headers: ["Content-Range": "bytes */\(size)"])
        if parts[0].isEmpty {
            guard let suffix = UInt64(parts[1]) else { return nil }
            guard suffix > 0, size > 0 else { throw unsatisfiable }
            return (size - min(suffix, size))..<size
        }
        guard let start = UInt64(parts[0]) else { return nil }
        var end = size
        if !parts[1].isEmpty {
            guard let last = UInt64(parts[1]), last >= start else { return nil }
            end = last == UInt64.max ? size : min(size, last + 1)
        }
        guard start < size else { throw unsatisfiable }
        return start..<end
    }
}
