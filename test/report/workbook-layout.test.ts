import { describe, expect, it } from "vitest";
import { callRowPlace, callsSheetName } from "../../lambda/report/workbook-layout.js";

// Excel's worksheet holds 1,048,576 rows (https://support.microsoft.com/en-us/office/excel-specifications-and-limits-1672b34d-7043-467e-8e27-269d656771c3);
// row 1 of every Calls sheet is the header, so 1,048,575 calls fit on one.
describe("where a call's row goes at Excel's row limit", () => {
  it("puts the first call on row 2 of Calls, under the header", () => {
    expect(callRowPlace(1)).toEqual({ sheetNumber: 1, rowNumber: 2 });
  });

  it("keeps call 1,048,575 on Calls, on the sheet's last row, 1,048,576", () => {
    expect(callRowPlace(1_048_575)).toEqual({ sheetNumber: 1, rowNumber: 1_048_576 });
  });

  it("continues call 1,048,576 on row 2 of Calls (2)", () => {
    const place = callRowPlace(1_048_576);
    expect(place).toEqual({ sheetNumber: 2, rowNumber: 2 });
    expect(callsSheetName(place.sheetNumber)).toBe("Calls (2)");
  });

  it("starts Calls (3) after two full sheets", () => {
    expect(callRowPlace(2_097_150)).toEqual({ sheetNumber: 2, rowNumber: 1_048_576 });
    expect(callRowPlace(2_097_151)).toEqual({ sheetNumber: 3, rowNumber: 2 });
  });

  it("never puts more than Excel's rows on a sheet, even when asked to", () => {
    expect(callRowPlace(1_048_576, 2_000_000)).toEqual({ sheetNumber: 2, rowNumber: 2 });
  });

  it("splits after a smaller limit when one is given", () => {
    expect([1, 3, 4, 7].map((call) => callRowPlace(call, 3))).toEqual([
      { sheetNumber: 1, rowNumber: 2 },
      { sheetNumber: 1, rowNumber: 4 },
      { sheetNumber: 2, rowNumber: 2 },
      { sheetNumber: 3, rowNumber: 2 },
    ]);
  });

  it("names the sheets Calls, Calls (2), Calls (3)", () => {
    expect([1, 2, 3].map(callsSheetName)).toEqual(["Calls", "Calls (2)", "Calls (3)"]);
  });
});
