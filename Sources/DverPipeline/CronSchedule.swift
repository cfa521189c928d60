import Foundation

/// A cron input's schedule, in UTC: five fields (minute hour day-of-month month day-of-week,
/// each `*`, `N`, `A-B`, lists and `/step`, month and weekday names too), a descriptor
/// (`@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly`), or `@every <duration>` — the forms
/// Pachyderm's cron inputs take.
public struct CronSchedule: Sendable, Equatable {
    public struct Problem: Error, Sendable { public let reason: String }

    private enum Kind: Equatable {
        case every(Double)
        case fields(minute: Set<Int>, hour: Set<Int>, day: Set<Int>, month: Set<Int>, weekday: Set<Int>, dayRestricted: Bool, weekdayRestricted: Bool)
    }

    private let kind: Kind

    /// - Throws: `Problem` naming what is wrong.
    public init(_ text: String) throws {
        kind = try Self.parse(text)
    }

    private static func parse(_ text: String) throws -> Kind {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let descriptors = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
                           "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"]
        if let expanded = descriptors[trimmed] { return try parse(expanded) }
        if trimmed.hasPrefix("@every ") {
            let duration = trimmed.dropFirst("@every ".count).trimmingCharacters(in: .whitespaces)
            guard let seconds = SpecValues.seconds(duration), seconds >= 1 else {
                throw Problem(reason: "'@every' needs a duration of at least 1s, such as 90s, 10m or 1h")
            }
            return .every(seconds)
        }
        let fields = trimmed.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 5 else { throw Problem(reason: "expected 5 fields (minute hour day month weekday), found \(fields.count)") }
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        var weekday = try field(fields[4], "weekday", 0...7, names: days, firstName: 0)
        if weekday.remove(7) != nil { weekday.insert(0) }  // 7 is Sunday too
        return .fields(minute: try field(fields[0], "minute", 0...59),
                       hour: try field(fields[1], "hour", 0...23),
                       day: try field(fields[2], "day of month", 1...31),
                       month: try field(fields[3], "month", 1...12, names: months, firstName: 1),
                       weekday: weekday,
                       dayRestricted: !fields[2].hasPrefix("*") && fields[2] != "?",
                       weekdayRestricted: !fields[4].hasPrefix("*") && fields[4] != "?")
    }

    /// The first tick strictly after `date`, or nil when none comes within about five years
    /// (`0 0 31 2 *`).
    public func next(after date: Date) -> Date? {
        switch kind {
        case .every(let seconds):
            return date.addingTimeInterval(seconds)
        case .fields(let minute, let hour, let day, let month, let weekday, let dayRestricted, let weekdayRestricted):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let start = floor(date.timeIntervalSince1970 / 60) * 60 + 60
            var current = Date(timeIntervalSince1970: start)
            let limit = date.addingTimeInterval(5 * 366 * 86400)
            while current < limit {
                let parts = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: current)
                guard let m = parts.month, let d = parts.day, let w = parts.weekday, let h = parts.hour, let mi = parts.minute else { return nil }
                if !month.contains(m) {
                    current = Self.startOfNextMonth(current, calendar)
                    continue
                }
                // Both day fields restricted: either may match (cron's rule).
                let dayMatches = dayRestricted && weekdayRestricted
                    ? day.contains(d) || weekday.contains(w - 1)
                    : day.contains(d) && weekday.contains(w - 1)
                if !dayMatches {
                    current = calendar.startOfDay(for: current).addingTimeInterval(86400)
                    continue
                }
                if !hour.contains(h) {
                    current = Date(timeIntervalSince1970: floor(current.timeIntervalSince1970 / 3600) * 3600 + 3600)
                    continue
                }
                if !minute.contains(mi) {
                    current = current.addingTimeInterval(60)
                    continue
                }
                return current
            }
            return nil
        }
    }

    /// RFC 3339 with optional fractional seconds (cron start times and tick file names).
    public static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// The name of a tick file: RFC 3339 in UTC, as Pachyderm names them (`2026-11-30T12:00:00Z`).
    public static func tickName(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    private static func startOfNextMonth(_ date: Date, _ calendar: Calendar) -> Date {
        let parts = calendar.dateComponents([.year, .month], from: date)
        var next = DateComponents()
        next.year = parts.year
        next.month = (parts.month ?? 1) + 1
        next.day = 1
        return calendar.date(from: next) ?? date.addingTimeInterval(28 * 86400)
    }

    private static func field(_ text: Substring, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], firstName: Int = 0) throws -> Set<Int> {
        func value(_ part: Substring) throws -> Int {
            if let number = Int(part), range.contains(number) { return number }
            if let index = names.firstIndex(of: part.lowercased()) { return index + firstName }
            throw Problem(reason: "\(name) '\(part)' is not in \(range.lowerBound)-\(range.upperBound)")
        }
        var result = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let base = pieces.first, !base.isEmpty else { throw Problem(reason: "bad \(name) field '\(text)'") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed >= 1, parsed <= range.upperBound + 1 else { throw Problem(reason: "bad step in \(name) field '\(text)'") }
                step = parsed
            }
            var low = range.lowerBound, high = range.upperBound
            if base != "*" && base != "?" {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else { throw Problem(reason: "bad range in \(name) field '\(text)'") }
                low = try value(bounds[0])
                high = bounds.count == 2 ? try value(bounds[1]) : (pieces.count == 2 ? range.upperBound : low)
                guard low <= high else { throw Problem(reason: "\(name) range '\(base)' runs backwards") }
            }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }
}
