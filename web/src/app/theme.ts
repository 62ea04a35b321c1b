import { createTheme } from '@mui/material';

// Colours chosen for WCAG AA contrast on white and on the primary bar.
export const theme = createTheme({
  palette: {
    primary: { main: '#1d4ed8' },
    secondary: { main: '#6d28d9' },
    error: { main: '#b91c1c' },
    warning: { main: '#92400e' },
    success: { main: '#166534' },
    info: { main: '#075985' },
  },
  shape: { borderRadius: 8 },
});
