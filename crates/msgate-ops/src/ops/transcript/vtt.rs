//! Teams transcripts are WebVTT: cues with a time range and the speaker in a voice tag
//! (`<v Ada Brennan>Thanks for joining.</v>`). This reads them into cues and turns — consecutive
//! cues of one speaker merged — and writes the compact forms `transcript get` offers.

use crate::text::html::decode_entities;

/// One cue: when (milliseconds from the start of the transcript), who, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    pub start: i64,
    pub end: i64,
    pub speaker: Option<String>,
    pub text: String,
}

/// Reads the cues of a WebVTT file; blocks that are not cues (the header, `NOTE`, `STYLE`,
/// `REGION`) are skipped, and so is anything unreadable.
pub fn parse(vtt: &str) -> Vec<Cue> {
    let normalized = vtt.replace("\r\n", "\n").replace('\r', "\n");
    normalized
        .split("\n\n")
        .filter_map(|block| {
            let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
            let timing = lines.iter().position(|l| l.contains("-->"))?;
            let (start, end) = timing_of(lines[timing])?;
            let payload = lines[timing + 1..].join("\n");
            let (speaker, text) = payload_of(&payload);
            Some(Cue {
                start,
                end,
                speaker,
                text,
            })
        })
        .filter(|cue| !cue.text.is_empty())
        .collect()
}

/// `00:01:02.345 --> 00:01:04.000 align:start`: both times in milliseconds.
fn timing_of(line: &str) -> Option<(i64, i64)> {
    let (start, rest) = line.split_once("-->")?;
    let end = rest.split_whitespace().next()?;
    Some((timestamp(start.trim())?, timestamp(end)?))
}

/// `hh:mm:ss.ttt` or `mm:ss.ttt`.
fn timestamp(text: &str) -> Option<i64> {
    let (clock, millis) = text.split_once('.')?;
    let millis: i64 = millis.parse().ok()?;
    let parts: Vec<i64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let seconds = match parts.as_slice() {
        [h, m, s] => h * 3600 + m * 60 + s,
        [m, s] => m * 60 + s,
        _ => return None,
    };
    Some(seconds * 1000 + millis)
}

/// The speaker named by the first voice tag, and the text with every tag removed.
fn payload_of(payload: &str) -> (Option<String>, String) {
    let mut speaker = None;
    let mut text = String::new();
    let mut rest = payload;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = &rest[open..];
            break;
        };
        let tag = &rest[open + 1..open + close];
        if speaker.is_none()
            && let Some(voice) = tag.strip_prefix('v')
            && (voice.starts_with(' ') || voice.starts_with('.'))
        {
            // `<v.loud Ada Brennan>`: classes, then the annotation.
            let annotation = voice.split_once(' ').map_or("", |(_, name)| name).trim();
            if !annotation.is_empty() {
                speaker = Some(decode_entities(annotation));
            }
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    let text = decode_entities(&text);
    (
        speaker,
        text.split_whitespace().collect::<Vec<_>>().join(" "),
    )
}

/// What one speaker said without interruption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub start: i64,
    pub speaker: Option<String>,
    pub text: String,
}

/// Consecutive cues of one speaker as one turn.
pub fn turns(cues: &[Cue]) -> Vec<Turn> {
    let mut out: Vec<Turn> = Vec::new();
    for cue in cues {
        match out.last_mut() {
            Some(turn) if turn.speaker == cue.speaker => {
                turn.text.push(' ');
                turn.text.push_str(&cue.text);
            }
            _ => out.push(Turn {
                start: cue.start,
                speaker: cue.speaker.clone(),
                text: cue.text.clone(),
            }),
        }
    }
    out
}

/// `12:34`, or `1:02:03` past the first hour.
fn clock(millis: i64) -> String {
    let seconds = millis / 1000;
    match seconds / 3600 {
        0 => format!("{:02}:{:02}", seconds / 60, seconds % 60),
        hours => format!("{hours}:{:02}:{:02}", seconds / 60 % 60, seconds % 60),
    }
}

/// Markdown: one paragraph per turn, `[mm:ss] **Speaker:** words`.
pub fn markdown(turns: &[Turn]) -> String {
    turns
        .iter()
        .map(|turn| match &turn.speaker {
            Some(speaker) => format!("[{}] **{speaker}:** {}", clock(turn.start), turn.text),
            None => format!("[{}] {}", clock(turn.start), turn.text),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Plain text: one line per turn, `Speaker: words`.
pub fn text(turns: &[Turn]) -> String {
    turns
        .iter()
        .map(|turn| match &turn.speaker {
            Some(speaker) => format!("{speaker}: {}", turn.text),
            None => turn.text.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Everyone who speaks, in order of first words.
pub fn speakers(turns: &[Turn]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for speaker in turns.iter().filter_map(|t| t.speaker.as_ref()) {
        if !out.contains(speaker) {
            out.push(speaker.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEAMS: &str = "WEBVTT\r\n\r\n0f3a/12-0\r\n00:00:03.200 --> 00:00:07.380\r\n<v Ada Brennan>Thanks for joining, everyone.</v>\r\n\r\n0f3a/13-0\r\n00:00:08.020 --> 00:00:10.000\r\n<v Farid Haddad>I pulled the numbers.</v>\r\n\r\n00:00:10.640 --> 00:00:12.000 align:start\r\n<v Farid Haddad>Costs &amp; savings\r\nboth.</v>\r\n\r\nNOTE a comment\r\n\r\n01:02:03.045 --> 01:02:05.000\r\n<v.loud Ada Brennan>Done.\r\n";

    #[test]
    fn cues_carry_speakers_times_and_plain_text() {
        let cues = parse(TEAMS);
        assert_eq!(cues.len(), 4);
        assert_eq!(cues[0].start, 3_200);
        assert_eq!(cues[0].speaker.as_deref(), Some("Ada Brennan"));
        assert_eq!(cues[2].text, "Costs & savings both.");
        assert_eq!(cues[3].start, 3_723_045);
        assert_eq!(
            cues[3].speaker.as_deref(),
            Some("Ada Brennan"),
            "classes and no closing tag"
        );
        assert_eq!(timestamp("02:03.500"), Some(123_500));
        assert_eq!(timestamp("soon"), None);
        let plain = parse("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nno voice tag <b>here</b>\n");
        assert_eq!(plain[0].speaker, None);
        assert_eq!(plain[0].text, "no voice tag here");
    }

    #[test]
    fn consecutive_cues_of_one_speaker_make_one_turn() {
        let turns = turns(&parse(TEAMS));
        assert_eq!(turns.len(), 3);
        assert_eq!(turns[1].text, "I pulled the numbers. Costs & savings both.");
        assert_eq!(
            markdown(&turns),
            "[00:03] **Ada Brennan:** Thanks for joining, everyone.\n\n[00:08] **Farid Haddad:** I pulled the numbers. Costs & savings both.\n\n[1:02:03] **Ada Brennan:** Done."
        );
        assert_eq!(
            text(&turns).lines().next(),
            Some("Ada Brennan: Thanks for joining, everyone.")
        );
        assert_eq!(speakers(&turns), vec!["Ada Brennan", "Farid Haddad"]);
    }
}
