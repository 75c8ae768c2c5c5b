import { lmsIdentity } from "./lms-names";

describe("lmsIdentity", () => {
  it.each([
    ["smithjohn_12345_67890_Dockerfile", "12345", "smithjohn"],
    ["smithjohn_LATE_12345_67890_lab42", "12345", "smithjohn"],
    ["doezoë_31_4159_lab 42 (final)", "31", "doezoë"],
    ["o_brien_pat_4242_99_lab_42", "4242", "o_brien_pat"],
    ["agent007_8_9_x", "8", "agent007"],
  ])("reads Canvas' download name %j", (id, userId, name) => {
    expect(lmsIdentity(id)).toEqual({ lms: "canvas", userId, name });
  });

  it.each([
    ["Zoë O'Brien_123456_assignsubmission_file", "123456", "Zoë O'Brien"],
    ["Zoë O'Brien_123456_assignsubmission_file_", "123456", "Zoë O'Brien"],
    ["Jean Marc Dupont_77_assignsubmission_onlinetext_", "77", "Jean Marc Dupont"],
    ["Alice Ángel_1234_assignsubmission_file_lab42", "1234", "Alice Ángel"],
    ["Agent 007_55_assignsubmission_file", "55", "Agent 007"],
    ["Participant_5_assignsubmission_file", "5", "Participant"],
  ])("reads Moodle's download name %j", (id, participantId, name) => {
    expect(lmsIdentity(id)).toEqual({ lms: "moodle", participantId, name });
  });

  it.each(["alice-venv-app", "zoë o'brien (resubmission)", "team_3", "lab_42", "anon_x7Yq2_67890_lab", "LATE_anon_12345_678_lab", "smithjohn_12345"])(
    "finds no LMS id in %j",
    (id) => {
      expect(lmsIdentity(id)).toBeUndefined();
    },
  );
});
