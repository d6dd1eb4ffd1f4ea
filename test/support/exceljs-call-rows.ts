/**
 * The reference for the fast Calls rows: the same rows through exceljs's own Row and Cell
 * objects, styled the way exceljs styles them. Tests and the benchmark only; the adapter always
 * writes the fast rows.
 */
import ExcelJS from "exceljs";
import type { CallRowsFactory } from "../../lambda/adapters/xlsx/fast-call-rows.js";

export const exceljsCallRows: CallRowsFactory =
  ({ columnStyles, linkStyle, linkColumn }) =>
  (sheet) => ({
    write(values) {
      const row = sheet.addRow(values);
      row.eachCell((cell, column) => {
        cell.style =
          column === linkColumn + 1 && cell.type === ExcelJS.ValueType.Hyperlink
            ? linkStyle
            : (columnStyles[column - 1] ?? {});
      });
      row.commit();
      return true;
    },
    end() {},
  });
